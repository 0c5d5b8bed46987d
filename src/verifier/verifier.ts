/**
 * The verifier driver (kernel/bpf/verifier.c, Linux 6.18: bpf_check,
 * do_check, check_ld_abs, check_atomic, is_state_visited; jumps in
 * check-jmp.ts, calls and exits in check-call.ts): abstract interpretation over every path from the first
 * instruction, for a privileged (root) loader, with a kernel-style log.
 */
import { BpfError, VerifierError } from '../errors.js';
import { type Program, decodeProgram } from '../isa/insn.js';
import { AtomicOp, CallSrc, Cls, type OpcodeRow, PseudoSrc } from '../isa/opcodes.js';
import { checkAlu } from './check-alu.js';
import { exitInsn, funcCall, helperCall } from './check-call.js';
import { condJump, type PushFn } from './check-jmp.js';
import { checkMemAccess } from './check-mem.js';
import { checkCfg, checkMaxStackDepth } from './cfg.js';
import { mayAccessSkb } from './ctx.js';
import { formatSlot, scratchedBy, withInsnState } from './log-state.js';
import { maskUnneeded, neededRegs } from './precise-regs.js';
import { checkSubprogsRaw, insnFieldError, insnLogText, resolveLdImm64Raw } from './static-checks.js';
import { type Env, Reject, type VerifyOptions } from './env.js';
import {
  type Checkpoint, type LogCtx, MAX_BPF_STACK, type Reg, Slot, type State, cloneState, constReg, curRegs, formatReg,
  newFrame, notInit, ptrReg, statesCover, typeName, unknownReg,
} from './state.js';

export type { VerifyOptions } from './env.js';

/** Outcome of {@link verify}. */
export interface VerifyResult {
  accepted: boolean;
  /** Instruction slot of the rejection. */
  pc: number | undefined;
  /** The error line (kernel wording), empty when accepted. */
  message: string;
  /** Instructions processed (the kernel's insn_processed). */
  insnsProcessed: number;
  /** The log text (empty at log level 0 except for the error line and summary). */
  log: string;
  /** errno the kernel would return: EACCES (safety), EINVAL (structure), E2BIG (complexity). */
  errno?: string;
}

interface Pending { st: State; pc: number; prev: number; logLen: number; line: string | undefined }

/**
 * Verifies a program (bytes or decoded) as a privileged loader of Linux 6.18 would.
 * Never throws for bad programs: structural errors become a rejected result.
 */
export function verify(program: Uint8Array | Program, opts: VerifyOptions = {}): VerifyResult {
  let prog: Program;
  const logLevel = opts.logLevel ?? 0;
  try {
    if (program instanceof Uint8Array) {
      if (program.length === 0) return reject('last insn is not an exit or jmp', 0, 0, '', 'EINVAL');
      // Only the byte length here: the kernel's structural checks run below, in its order.
      prog = decodeProgram(program, { validate: false });
    } else prog = program;
  } catch (e) {
    if (e instanceof BpfError) {
      let msg = e.detail === 'empty program' ? 'last insn is not an exit or jmp' : e.detail;
      let pc = e.pc;
      msg = kernelDecodeMessage(program, msg, pc);
      // check_subprogs runs before the per-instruction checks: a program whose last slot is
      // not exit / ja gets that message first (when the decoder stopped at an opcode or field).
      if (program instanceof Uint8Array && program.length % 8 === 0 && !/ld_imm64|ldimm64|jump/.test(msg)) {
        const last = program[program.length - 8]!;
        if (last !== 0x95 && last !== 0x05 && last !== 0x06) { msg = 'last insn is not an exit or jmp'; pc = program.length / 8 - 1; }
      }
      return reject(msg, pc, 0, logLevel ? msg + '\n' : '', 'EINVAL');
    }
    throw e;
  }
  const flags = opts.progFlags ?? 0;
  const env: Env = {
    prog, maps: opts.maps ?? [], progType: opts.progType ?? 'socket_filter', logLevel,
    strictAlign: (flags & 1) !== 0 && (flags & 2) === 0,
    rawMemSize: opts.rawMemSize ?? 64, insnLimit: opts.insnLimit ?? 1_000_000,
    log: [], idGen: 0, insnProcessed: 0, totalStates: 0, peakStates: 0, curStates: 0, maxStatesPerInsn: 0,
    explored: new Map(), prunePoint: new Uint8Array(prog.length), subprogs: [0], stackDepth: new Map(), callees: new Map(), auxPtrType: new Map(), jmpsProcessed: 0, lastCheckpointInsn: 0, lastCheckpointJmps: 0,
  };
  try {
    checkSubprogsRaw(env);
    resolveLdImm64Raw(env);
    checkCfg(env);
    env.neededRegs = neededRegs(env.prog);
    doCheck(env);
    checkMaxStackDepth(env);
  } catch (e) {
    if (e instanceof Reject) {
      if (!e.logged) env.log.push(e.msg);
      env.log.push(summary(env));
      return reject(e.msg, e.pc, env.insnProcessed, logLevel ? env.log.join('\n') + '\n' : '', e.errno);
    }
    throw e;
  }
  // Level 1 keeps only the failing path: an accepted program logs just the summary.
  if (env.logLevel === 1) env.log.length = 0;
  env.log.push(summary(env));
  return { accepted: true, pc: undefined, message: '', insnsProcessed: env.insnProcessed, log: logLevel ? env.log.join('\n') + '\n' : '' };
}

/**
 * Like {@link verify} but throws a VerifierError (with the log) when the program is rejected.
 * @throws VerifierError
 */
export function verifyOrThrow(program: Uint8Array | Program, opts: VerifyOptions = {}): VerifyResult {
  const r = verify(program, { ...opts, logLevel: opts.logLevel ?? 1 });
  if (!r.accepted) throw new VerifierError(r.message, r.pc, r.log);
  return r;
}

/**
 * The kernel's wording for structural errors where its order of checks
 * differs from the decoder's: an ld_imm64 whose second slot is well formed
 * but whose first slot has a non-zero `off` (check_ld_imm), and load/store
 * classes with a mode that is no instruction (do_check).
 */
function kernelDecodeMessage(program: Uint8Array | Program, msg: string, pc: number | undefined): string {
  if (!(program instanceof Uint8Array) || pc === undefined) return msg;
  const at = (i: number, k: number) => program[i * 8 + k] ?? 0;
  if (msg === 'invalid bpf_ld_imm64 insn' && (pc + 1) * 8 < program.length) {
    const secondOk = at(pc + 1, 0) === 0 && at(pc + 1, 1) === 0 && at(pc + 1, 2) === 0 && at(pc + 1, 3) === 0;
    const off = at(pc, 2) | at(pc, 3);
    if (secondOk && off !== 0) return 'BPF_LD_IMM64 uses reserved fields';
  }
  const m = /^unknown opcode ([0-9a-f]{2})$/.exec(msg);
  if (m) {
    const code = parseInt(m[1]!, 16);
    switch (code & 7) {
      case Cls.LDX: return 'BPF_LDX uses reserved fields';
      case Cls.STX: return 'BPF_STX uses reserved fields';
      case Cls.ST: return 'BPF_ST uses reserved fields';
      default: break;
    }
  }
  return msg;
}

function reject(message: string, pc: number | undefined, n: number, log: string, errno: string): VerifyResult {
  return { accepted: false, pc, message, insnsProcessed: n, log, errno };
}

function summary(env: Env): string {
  return `processed ${env.insnProcessed} insns (limit ${env.insnLimit}) max_states_per_insn ${env.maxStatesPerInsn} total_states ${env.totalStates} peak_states ${env.peakStates} mark_read 0`;
}

function logCtx(env: Env): LogCtx {
  return {
    mapName: (i) => env.maps[i]?.name ?? `map${i}`,
    mapKs: (i) => env.maps[i]?.keySize ?? 0,
    mapVs: (i) => env.maps[i]?.valueSize ?? 0,
  };
}

/** print_verifier_state: ` R0=... R10=fp0 fp-8=mmmmmmmm`. */
export function formatState(env: Env, st: State): string {
  const f = st.frames[st.frames.length - 1]!;
  const lc = logCtx(env);
  const parts: string[] = [];
  if (st.frames.length > 1) parts.push(`frame${st.frames.length - 1}:`);
  f.regs.forEach((r, i) => { if (r.type !== 'not_init') parts.push(`R${i}=${formatReg(r, lc)}`); });
  for (let spi = 0; spi < MAX_BPF_STACK / 8; spi++) {
    const s = formatSlot(f, spi, lc);
    if (s) parts.push(s);
  }
  return parts.join(' ');
}

function initialState(env: Env): State {
  const f = newFrame(-1, 0, 0);
  const st: State = { frames: [f], refs: [], parent: undefined };
  if (env.progType === 'raw') {
    f.regs[1] = ptrReg('mem', { memSize: env.rawMemSize });
    f.regs[2] = constReg(BigInt(env.rawMemSize));
  } else {
    f.regs[1] = ptrReg('ctx');
  }
  return st;
}


function doCheck(env: Env): void {
  const p = env.prog;
  const pending: Pending[] = [];
  let st = initialState(env);
  let pc = 0;
  let prev = -1;
  let printState = env.logLevel > 0;
  let resumeLine: string | undefined;
  const L = (s: string) => { if (env.logLevel > 0) env.log.push(s); };
  const endPath = () => {
    let c = st.parent;
    while (c) { c.branches--; if (c.branches > 0) break; c = c.parent; }
  };
  const push = (nst: State, target: number, from: number) => {
    if (nst.parent) nst.parent.branches++;
    pending.push({ st: nst, pc: target, prev: from, logLen: env.log.length, line: env.log[env.log.length - 1] });
    if (pending.length > 8192) throw new Reject(`The sequence of ${pending.length} jumps is too complex.`, from, 'E2BIG');
  };
  for (;;) {
    // ---- one path
    let pathDone = false;
    while (!pathDone) {
      if (++env.insnProcessed > env.insnLimit) {
        throw new Reject(`BPF program is too large. Processed ${env.insnProcessed} insn`, pc, 'E2BIG');
      }
      if (env.prunePoint[pc]) {
        const r = stateVisited(env, st, pc);
        if (r === 'prune') {
          if (env.logLevel > 1 && printState && prev >= 0) L('');
          if (env.logLevel > 0) L(printState && prev >= 0 ? `from ${prev} to ${pc}: safe` : `${pc}: safe`);
          endPath();
          pathDone = true;
          break;
        }
      }
      // As Linux 6.18: the whole state at the start and where a branch is popped
      // (level 2: `from X to Y: ...` then `Y: ...`); after each instruction only what it touched.
      if (printState && env.logLevel > 0) {
        const full = formatState(env, st);
        if (prev < 0) L(`${pc}: ${full}`);
        else if (env.logLevel >= 2) { L(''); L(`from ${prev} to ${pc}: ${full}`); L(`${pc}: ${full}`); }
        else if (resumeLine !== undefined && env.log.length > 0) env.log[env.log.length - 1] = `${resumeLine} ${pc}: ${full}`;
        else L(`from ${prev} to ${pc}: ${full}`);
      }
      printState = false;
      if (env.logLevel > 0) L(`${pc}: ${insnLogText(p, pc)}`);
      const bad = insnFieldError(p, pc, env.progType);
      if (bad !== undefined) throw new Reject(bad, pc, 'EINVAL');
      const row = p.rowAt(pc);
      if (row === undefined) throw new Reject(`unknown opcode ${p.code[pc]!.toString(16).padStart(2, '0')}`, pc, 'EINVAL');
      if (row.cls === Cls.JMP || row.cls === Cls.JMP32) env.jmpsProcessed++;
      const scratched = env.logLevel > 0 ? scratchedBy(env, st, pc, row) : undefined;
      const insnLine = env.log.length - 1;
      const next = step(env, st, pc, row, push);
      if (next === -1) { endPath(); pathDone = true; break; }
      if (scratched && env.log.length - 1 === insnLine) env.log[insnLine] = withInsnState(env.log[insnLine]!, st, scratched, logCtx(env));
      prev = pc;
      pc = next;
    }
    const nx = pending.pop();
    if (!nx) return;
    // Level 1 keeps only the current path: back to where the branch was pushed (the jump's
    // line without its state, which the kernel then continues with ` Y: <state>`).
    if (env.logLevel === 1) env.log.length = nx.logLen;
    resumeLine = nx.line;
    st = nx.st; pc = nx.pc; prev = nx.prev;
    printState = true;
  }
}

/** is_state_visited: prune against a fully explored covering state, detect loops, store a checkpoint. */
function stateVisited(env: Env, st: State, pc: number): 'prune' | 'go' {
  let list = env.explored.get(pc);
  if (!list) { list = []; env.explored.set(pc, list); }
  let fp: string | undefined;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (c.branches === 0) {
      if (statesCover(c.st, maskUnneeded(c.st, st, env.neededRegs![pc]!), false)) { c.hit++; return 'prune'; }
      // Like the kernel: a finished state that keeps missing is dropped from the list.
      if (++c.miss > c.hit * 3 + 3) { list.splice(i, 1); i--; env.curStates--; }
      continue;
    }
    fp ??= fingerprint(st);
    if (c.fp === fp && statesCover(c.st, st, true)) {
      // Like the kernel, the log ends with both states.
      env.log.push(`infinite loop detected at insn ${pc}`);
      env.log.push(`cur state: ${formatState(env, st)}`);
      env.log.push(`old state: ${formatState(env, c.st)}`);
      throw new Reject(`infinite loop detected at insn ${pc}`, pc, 'EINVAL', true);
    }
  }
  // max_states_per_insn counts the states already there when an instruction is visited (0 for the first).
  env.maxStatesPerInsn = Math.max(env.maxStatesPerInsn, list.length);
  // Like the kernel, a new checkpoint needs some progress since the last one (from the start, too).
  if (list.length >= 64 || env.insnProcessed - env.lastCheckpointInsn < 8 || env.jmpsProcessed - env.lastCheckpointJmps < 2) return "go";
  env.lastCheckpointInsn = env.insnProcessed;
  env.lastCheckpointJmps = env.jmpsProcessed;
  const snap = cloneState(st);
  const cp: Checkpoint = { st: snap, branches: 1, parent: st.parent, pc, hit: 0, miss: 0, fp: fp ?? fingerprint(st) };
  snap.parent = undefined;
  st.parent = cp;
  list.push(cp);
  env.totalStates++;
  env.curStates++;
  env.peakStates = Math.max(env.peakStates, env.curStates);
  return 'go';
}

/** A cheap digest of the registers: equal states have equal fingerprints. */
function fingerprint(st: State): string {
  let s = `${st.frames.length}`;
  for (const f of st.frames) {
    for (const r of f.regs) s += r.type === 'scalar' ? `|${r.s.var_off.value}` : `|${r.type}${r.off}`;
  }
  return s;
}


/** Executes one instruction on `st`; returns the next pc, or -1 when the path ended. */
function step(env: Env, st: State, pc: number, row: OpcodeRow, push: PushFn): number {
  const p = env.prog;
  const regs = curRegs(st);
  const dst = p.dst[pc]!, src = p.src[pc]!, off = p.off[pc]!, imm = p.imm[pc]!;
  const need = (r: number) => { if (regs[r]!.type === 'not_init') throw new Reject(`R${r} !read_ok`, pc); };
  const writable = (r: number) => { if (r === 10) throw new Reject('frame pointer is read only', pc); };
  const sizeBytes = row.width / 8;
  switch (row.kind) {
    case 'alu': case 'neg': case 'end': case 'movsx':
      checkAlu(env, regs, row, dst, src, off, imm, pc);
      return pc + 1;
    case 'lddw': {
      writable(dst);
      const ps = src;
      if (ps === PseudoSrc.IMM) regs[dst] = constReg(p.imm64(pc));
      else if (ps === PseudoSrc.MAP_FD || ps === PseudoSrc.MAP_IDX) regs[dst] = ptrReg('map_ptr', { map: imm });
      else regs[dst] = ptrReg('map_value', { map: imm, off: p.imm[pc + 1]! >>> 0 });
      return pc + 2;
    }
    case 'ldx': case 'ldxsx': {
      need(src);
      writable(dst);
      const v = checkMemAccess(env, st, src, off, sizeBytes, false, { wantValue: true, sx: row.kind === 'ldxsx' }, pc);
      saveAuxPtrType(env, regs[src]!, pc);
      regs[dst] = v ?? unknownReg();
      return pc + 1;
    }
    case 'stx': {
      need(src);
      need(dst);
      checkMemAccess(env, st, dst, off, sizeBytes, true, { valueReg: regs[src]! }, pc);
      saveAuxPtrType(env, regs[dst]!, pc);
      return pc + 1;
    }
    case 'st': {
      need(dst);
      checkMemAccess(env, st, dst, off, sizeBytes, true, { stImm: BigInt(imm) }, pc);
      saveAuxPtrType(env, regs[dst]!, pc);
      return pc + 1;
    }
    case 'atomic':
      checkAtomic(env, st, row, pc);
      return pc + 1;
    case 'ldabs': case 'ldind': {
      if (!mayAccessSkb(env.progType)) throw new Reject('BPF_LD_[ABS|IND] instructions not allowed for this program type', pc, 'EINVAL');
      need(6);
      if (st.refs.length) throw new Reject('BPF_LD_[ABS|IND] would lead to reference leak', pc);
      if (regs[6]!.type !== 'ctx') throw new Reject('at the time of BPF_LD_ABS|IND R6 != pointer to skb', pc, 'EINVAL');
      if (row.kind === 'ldind') need(src);
      for (let r = 1; r <= 5; r++) regs[r] = notInit();
      regs[0] = unknownReg();
      return pc + 1;
    }
    case 'ja':
      return pc + 1 + (row.cls === Cls.JMP32 ? imm : off);
    case 'jcond':
      return condJump(env, st, row, pc, push);
    case 'call':
      if (src === CallSrc.PSEUDO_CALL) return funcCall(env, st, pc);
      if (src === CallSrc.KFUNC) throw new Reject('calling kernel functions are not supported', pc, 'EINVAL');
      helperCall(env, st, imm, pc);
      return pc + 1;
    case 'callx':
      // Linux 6.18 verifies no indirect calls for these program types.
      throw new Reject(`unknown opcode ${p.code[pc]!.toString(16).padStart(2, '0')}`, pc, 'EINVAL');
    case 'exit':
      return exitInsn(env, st, pc);
  }
}

/**
 * save_aux_ptr_type: one load/store instruction may not see a context or
 * socket pointer on one path and another pointer type on another (the
 * kernel rewrites context accesses per instruction).
 */
function saveAuxPtrType(env: Env, r: Reg, pc: number): void {
  const t = typeName(r);
  const prev = env.auxPtrType.get(pc);
  if (prev === undefined) { env.auxPtrType.set(pc, t); return; }
  const ok = (x: string) => !['ctx', 'sock', 'sock_common', 'tcp_sock'].includes(x);
  if (prev !== t && (!ok(t) || !ok(prev))) throw new Reject('same insn cannot be used with different pointers', pc, 'EINVAL');
}

function checkAtomic(env: Env, st: State, row: OpcodeRow, pc: number): void {
  const p = env.prog;
  const regs = curRegs(st);
  const dst = p.dst[pc]!, src = p.src[pc]!, off = p.off[pc]!, imm = p.imm[pc]!;
  const size = row.width / 8;
  const need = (r: number) => { if (regs[r]!.type === 'not_init') throw new Reject(`R${r} !read_ok`, pc); };
  if (imm === AtomicOp.LOAD_ACQ) {
    need(src);
    if (dst === 10) throw new Reject('frame pointer is read only', pc);
    regs[dst] = checkMemAccess(env, st, src, off, size, false, { wantValue: true, strictOnce: true }, pc) ?? unknownReg();
    return;
  }
  if (imm === AtomicOp.STORE_REL) {
    need(src); need(dst);
    checkMemAccess(env, st, dst, off, size, true, { valueReg: regs[src]!, strictOnce: true }, pc);
    return;
  }
  need(src);
  need(dst);
  if (imm === AtomicOp.CMPXCHG) need(0);
  const d = regs[dst]!;
  if (!d.maybeNull && (d.type === 'ctx' || d.type === 'pkt' || d.type === 'pkt_meta' || d.type === 'pkt_end' || d.type === 'sock' || d.type === 'sock_common' || d.type === 'tcp_sock')) {
    throw new Reject(`BPF_ATOMIC stores into R${dst} ${typeName(d)} is not allowed`, pc);
  }
  let loadReg = -1;
  if (imm & AtomicOp.FETCH) {
    loadReg = imm === AtomicOp.CMPXCHG ? 0 : src;
    if (loadReg === 10) throw new Reject('frame pointer is read only', pc);
  }
  checkMemAccess(env, st, dst, off, size, false, { strictOnce: true }, pc);
  let loaded: Reg | undefined;
  if (loadReg >= 0) loaded = checkMemAccess(env, st, dst, off, size, false, { strictOnce: true, wantValue: true }, pc);
  checkMemAccess(env, st, dst, off, size, true, { strictOnce: true }, pc);
  saveAuxPtrType(env, regs[dst]!, pc);
  if (loadReg >= 0) regs[loadReg] = loaded ?? unknownReg();
}

