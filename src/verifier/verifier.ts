/**
 * The verifier driver (kernel/bpf/verifier.c, Linux 6.18: bpf_check,
 * do_check, check_cond_jmp_op, check_helper_call, check_func_call,
 * prepare_func_exit, check_return_code, check_ld_abs, check_atomic,
 * is_state_visited): abstract interpretation over every path from the first
 * instruction, for a privileged (root) loader, with a kernel-style log.
 */
import { BpfError, VerifierError } from '../errors.js';
import { type Program, decodeProgram } from '../isa/insn.js';
import { AtomicOp, CallSrc, Cls, JmpOp, type OpcodeRow, PseudoSrc } from '../isa/opcodes.js';
import { MapFlag } from '../maps/spec.js';
import { checkAlu } from './check-alu.js';
import { checkHelperMem, checkMemAccess, checkMemRegion } from './check-mem.js';
import { checkCfg, checkLdImm64, checkMaxStackDepth, subprogOf } from './cfg.js';
import { SECCOMP_ACTIONS, mayAccessSkb, returnRange } from './ctx.js';
import { disasmInsn } from '../asm/disasm.js';
import { BPF_MAX_VAR_SIZ, type Env, MAX_CALL_FRAMES, Reject, type VerifyOptions } from './env.js';
import { BPF_FUNC_MAX_ID, type HelperProto, funcIdName, helperFor } from './helpers.js';
import {
  type JmpName, type Scalar, isBranchTaken, refineBranch, scalarConst, tnumIsConst, zext32, scalarUnknown,
} from './scalar-api.js';
import {
  type Checkpoint, type LogCtx, MAX_BPF_STACK, type Reg, Slot, type State, cloneReg, cloneState, constReg, formatReg,
  isPtr, newFrame, notInit, ptrReg, statesCover, typeName, unknownReg,
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

const JMP_NAME: Record<number, JmpName> = {
  [JmpOp.JEQ]: 'jeq', [JmpOp.JNE]: 'jne', [JmpOp.JGT]: 'jgt', [JmpOp.JGE]: 'jge', [JmpOp.JLT]: 'jlt', [JmpOp.JLE]: 'jle',
  [JmpOp.JSGT]: 'jsgt', [JmpOp.JSGE]: 'jsge', [JmpOp.JSLT]: 'jslt', [JmpOp.JSLE]: 'jsle', [JmpOp.JSET]: 'jset',
};
const FLIP: Record<JmpName, JmpName> = {
  jeq: 'jeq', jne: 'jne', jset: 'jset', jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge',
  jsgt: 'jslt', jslt: 'jsgt', jsge: 'jsle', jsle: 'jsge',
};

interface Pending { st: State; pc: number; prev: number; logLen: number }

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
      prog = decodeProgram(program);
    } else prog = program;
  } catch (e) {
    if (e instanceof BpfError) {
      const msg = e.detail === 'empty program' ? 'last insn is not an exit or jmp' : e.detail;
      return reject(msg, e.pc, 0, logLevel ? msg + '\n' : '', 'EINVAL');
    }
    throw e;
  }
  const flags = opts.progFlags ?? 0;
  const env: Env = {
    prog, maps: opts.maps ?? [], progType: opts.progType ?? 'socket_filter', logLevel,
    strictAlign: (flags & 1) !== 0 && (flags & 2) === 0,
    rawMemSize: opts.rawMemSize ?? 64, insnLimit: opts.insnLimit ?? 1_000_000,
    log: [], idGen: 0, insnProcessed: 0, totalStates: 0, peakStates: 0, curStates: 0, maxStatesPerInsn: 0,
    explored: new Map(), prunePoint: new Uint8Array(prog.length), subprogs: [0], stackDepth: new Map(), callees: new Map(), auxPtrType: new Map(),
  };
  try {
    checkLdImm64(env);
    checkCfg(env);
    doCheck(env);
    checkMaxStackDepth(env);
  } catch (e) {
    if (e instanceof Reject) {
      env.log.push(e.msg);
      env.log.push(summary(env));
      return reject(e.msg, e.pc, env.insnProcessed, logLevel ? env.log.join('\n') + '\n' : '', e.errno);
    }
    throw e;
  }
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
    const base = MAX_BPF_STACK - 8 * (spi + 1);
    let txt = '';
    let any = false;
    for (let i = 7; i >= 0; i--) {
      const t = f.slots[base + i]!;
      if (t !== Slot.INVALID) any = true;
      txt += t === Slot.SPILL ? 'r' : t === Slot.MISC ? 'm' : t === Slot.ZERO ? '0' : '?';
    }
    if (!any) continue;
    const sp = f.spilled[spi];
    if (f.slots[base] === Slot.SPILL && sp) parts.push(`fp${-8 * (spi + 1)}=${formatReg(sp, lc)}`);
    else parts.push(`fp${-8 * (spi + 1)}=${txt}`);
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

function cur(st: State): Reg[] { return st.frames[st.frames.length - 1]!.regs; }

function doCheck(env: Env): void {
  const p = env.prog;
  const pending: Pending[] = [];
  let st = initialState(env);
  let pc = 0;
  let prev = -1;
  let printState = env.logLevel > 0;
  const L = (s: string) => { if (env.logLevel > 0) env.log.push(s); };
  const endPath = () => {
    let c = st.parent;
    while (c) { c.branches--; if (c.branches > 0) break; c = c.parent; }
  };
  const push = (nst: State, target: number, from: number) => {
    if (nst.parent) nst.parent.branches++;
    pending.push({ st: nst, pc: target, prev: from, logLen: env.log.length });
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
          if (env.logLevel > 0) L(`${pc}: safe`);
          endPath();
          pathDone = true;
          env.insnProcessed--;
          break;
        }
      }
      if (env.logLevel >= 2) L(`${pc}: ${formatState(env, st)}`);
      else if (printState && env.logLevel === 1) L(`${prev >= 0 ? `from ${prev} to ${pc}: ` : ''}${formatState(env, st)}`);
      printState = false;
      L(`${pc}: ${disasmInsn(p.insn(pc), pc + 1 < p.length ? p.insn(pc + 1) : undefined, { code: true })}`);
      const row = p.rowAt(pc)!;
      const next = step(env, st, pc, row, push);
      if (next === -1) { endPath(); pathDone = true; break; }
      prev = pc;
      pc = next;
    }
    const nx = pending.pop();
    if (!nx) return;
    if (env.logLevel === 1) env.log.length = nx.logLen;
    st = nx.st; pc = nx.pc; prev = nx.prev;
    printState = true;
  }
}

/** is_state_visited: prune against a fully explored covering state, detect loops, store a checkpoint. */
function stateVisited(env: Env, st: State, pc: number): 'prune' | 'go' {
  let list = env.explored.get(pc);
  if (!list) { list = []; env.explored.set(pc, list); }
  for (const c of list) {
    if (c.branches === 0) {
      if (statesCover(c.st, st, false)) return 'prune';
    } else if (statesCover(c.st, st, true)) {
      if (env.logLevel > 0) {
        env.log.push(`infinite loop detected at insn ${pc}`);
        env.log.push(`cur state: ${formatState(env, st)}`);
      }
      throw new Reject(`infinite loop detected at insn ${pc}`, pc, 'EINVAL');
    }
  }
  if (list.length >= 64) return 'go';
  const snap = cloneState(st);
  const cp: Checkpoint = { st: snap, branches: 1, parent: st.parent, pc };
  snap.parent = undefined;
  st.parent = cp;
  list.push(cp);
  env.totalStates++;
  env.curStates++;
  env.peakStates = Math.max(env.peakStates, env.curStates);
  env.maxStatesPerInsn = Math.max(env.maxStatesPerInsn, list.length);
  return 'go';
}

type PushFn = (st: State, target: number, from: number) => void;

/** Executes one instruction on `st`; returns the next pc, or -1 when the path ended. */
function step(env: Env, st: State, pc: number, row: OpcodeRow, push: PushFn): number {
  const p = env.prog;
  const regs = cur(st);
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
      throw new Reject('callx is not supported', pc, 'EINVAL');
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
  const regs = cur(st);
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

// ------------------------------------------------------------------ jumps

function linkedRefine(st: State, r: Reg): void {
  if (r.type !== 'scalar' || r.id === 0) return;
  for (const f of st.frames) {
    for (let i = 0; i < 11; i++) {
      const x = f.regs[i]!;
      if (x !== r && x.type === 'scalar' && x.id === r.id) f.regs[i] = cloneReg(r);
    }
    for (let s = 0; s < f.spilled.length; s++) {
      const x = f.spilled[s];
      if (x && x !== r && x.type === 'scalar' && x.id === r.id) f.spilled[s] = cloneReg(r);
    }
  }
}

/** mark_ptr_or_null_regs. */
function markPtrOrNull(st: State, id: number, isNull: boolean): void {
  const fix = (x: Reg): Reg => {
    if (x.id !== id || !x.maybeNull) return x;
    if (isNull) return constReg(0n);
    const y = cloneReg(x); y.maybeNull = false;
    if (y.type !== 'ringbuf_mem') y.id = 0;
    return y;
  };
  let refId = 0;
  for (const f of st.frames) {
    for (let i = 0; i < 11; i++) { const x = f.regs[i]!; if (x.id === id && x.refObjId) refId = x.refObjId; f.regs[i] = fix(x); }
    for (let s = 0; s < f.spilled.length; s++) { const x = f.spilled[s]; if (x) f.spilled[s] = fix(x); }
  }
  if (isNull && refId) st.refs = st.refs.filter((r) => r.id !== refId);
}

function regNotNull(r: Reg): boolean {
  if (r.maybeNull) return false;
  return r.type === 'map_value' || r.type === 'map_key' || r.type === 'sock' || r.type === 'sock_common' || r.type === 'tcp_sock' ||
    r.type === 'mem' || r.type === 'ringbuf_mem';
}

function isConstFor(r: Reg, is32: boolean): boolean {
  if (r.type !== 'scalar') return false;
  return is32 ? (r.s.var_off.mask & 0xffffffffn) === 0n : tnumIsConst(r.s.var_off);
}

/** find_good_pkt_pointers. */
function goodPktPointers(st: State, r: Reg, openRight: boolean): void {
  if (r.off < 0 || r.s.umax > 0xffffn || r.s.umax + BigInt(r.off) > 0xffffn) return;
  const range = r.off + (openRight ? 1 : 0);
  for (const f of st.frames) {
    const upd = (x: Reg | undefined) => { if (x && x.type === r.type && x.id === r.id) x.range = Math.max(x.range, range); };
    f.regs.forEach(upd);
    f.spilled.forEach(upd);
  }
}

function condJump(env: Env, st: State, row: OpcodeRow, pc: number, push: PushFn): number {
  const p = env.prog;
  const regs = cur(st);
  const dstno = p.dst[pc]!, srcno = p.src[pc]!, off = p.off[pc]!, imm = p.imm[pc]!;
  if (regs[dstno]!.type === 'not_init') throw new Reject(`R${dstno} !read_ok`, pc);
  if (row.source === 'X' && regs[srcno]!.type === 'not_init') throw new Reject(`R${srcno} !read_ok`, pc);
  const is32 = row.cls === Cls.JMP32;
  const op = JMP_NAME[row.op]!;
  const target = pc + 1 + off;
  const dst = regs[dstno]!;
  const src: Reg = row.source === 'X' ? regs[srcno]! : constReg(BigInt(imm));
  // Decide the branch.
  let pred: number = -1;
  const isPkt = (r: Reg) => r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end';
  if (isPkt(dst) && isPkt(src) && !is32) pred = -1;
  else if (isPtr(dst) || isPtr(src)) {
    let a = dst, b = src, o = op;
    if (!isConstFor(b, is32)) { o = FLIP[o]; a = src; b = dst; }
    if (isConstFor(b, is32) && regNotNull(a)) {
      const v = is32 ? b.s.var_off.value & 0xffffffffn : b.s.var_off.value;
      if (v === 0n) pred = o === 'jeq' ? 0 : o === 'jne' ? 1 : -1;
    }
  } else pred = isBranchTaken(op, is32, dst.s, src.s);
  if (pred === 1) return target;
  if (pred === 0) return pc + 1;
  // Both branches: other = taken, this = fall-through.
  const other = cloneState(st);
  const oregs = cur(other);
  let takenFeasible = true, fallFeasible = true;
  if (dst.type === 'scalar' && src.type === 'scalar') {
    const same = row.source === 'X' && srcno === dstno;
    const t = refineBranch(op, is32, dst.s, src.s, true, same);
    const f = refineBranch(op, is32, dst.s, src.s, false, same);
    if (t === null) takenFeasible = false;
    else {
      setScalar(oregs, dstno, t[0]);
      linkedRefine(other, oregs[dstno]!);
      if (row.source === 'X') { setScalar(oregs, srcno, t[1]); linkedRefine(other, oregs[srcno]!); }
    }
    if (f === null) fallFeasible = false;
    else {
      setScalar(regs, dstno, f[0]);
      linkedRefine(st, regs[dstno]!);
      if (row.source === 'X') { setScalar(regs, srcno, f[1]); linkedRefine(st, regs[srcno]!); }
    }
  } else if (!is32 && row.source === 'K' && imm === 0 && (op === 'jeq' || op === 'jne') && dst.maybeNull && dst.id) {
    markPtrOrNull(st, dst.id, op === 'jne');
    markPtrOrNull(other, dst.id, op === 'jeq');
  } else if (row.source === 'X' && !is32 && isPkt(dst) && isPkt(src)) {
    pktCompare(op, dst, src, st, other, dstno, srcno);
  }
  if (!takenFeasible && !fallFeasible) return -1;
  if (!takenFeasible) return pc + 1;
  if (!fallFeasible) { replaceState(st, other); return target; }
  push(other, target, pc);
  return pc + 1;
}

function replaceState(st: State, from: State): void {
  st.frames = from.frames; st.refs = from.refs;
}

function setScalar(regs: Reg[], no: number, s: Scalar): void {
  const r = cloneReg(regs[no]!); r.s = s; regs[no] = r;
}

function pktCompare(op: JmpName, dst: Reg, src: Reg, thisB: State, otherB: State, dstno: number, srcno: number): void {
  const dPkt = dst.type === 'pkt' && src.type === 'pkt_end';
  const dMeta = dst.type === 'pkt_meta' && src.type === 'pkt';
  const sPkt = dst.type === 'pkt_end' && src.type === 'pkt';
  const sMeta = dst.type === 'pkt' && src.type === 'pkt_meta';
  const left = dPkt || dMeta, right = sPkt || sMeta;
  const rd = (b: State) => cur(b)[dstno]!, rs = (b: State) => cur(b)[srcno]!;
  switch (op) {
    case 'jgt':
      if (left) goodPktPointers(thisB, rd(thisB), false);
      else if (right) goodPktPointers(otherB, rs(otherB), true);
      break;
    case 'jlt':
      if (left) goodPktPointers(otherB, rd(otherB), true);
      else if (right) goodPktPointers(thisB, rs(thisB), false);
      break;
    case 'jge':
      if (left) goodPktPointers(thisB, rd(thisB), true);
      else if (right) goodPktPointers(otherB, rs(otherB), false);
      break;
    case 'jle':
      if (left) goodPktPointers(otherB, rd(otherB), false);
      else if (right) goodPktPointers(thisB, rs(thisB), true);
      break;
    default: break;
  }
}

// ------------------------------------------------------------------ calls

function funcCall(env: Env, st: State, pc: number): number {
  const p = env.prog;
  const target = pc + 1 + p.imm[pc]!;
  if (st.frames.length >= MAX_CALL_FRAMES) throw new Reject(`the call stack of ${st.frames.length + 1} frames is too deep`, pc, 'E2BIG');
  const caller = cur(st);
  const f = newFrame(pc, target, st.frames.length);
  for (let r = 1; r <= 5; r++) f.regs[r] = cloneReg(caller[r]!);
  st.frames.push(f);
  return target;
}

function exitInsn(env: Env, st: State, pc: number): number {
  const regs = cur(st);
  const depthOf = (sp: number, d: number) => env.stackDepth.set(sp, Math.max(env.stackDepth.get(sp) ?? 0, d));
  const top = st.frames[st.frames.length - 1]!;
  depthOf(top.subprog, top.allocated);
  if (st.frames.length > 1) {
    // A subprogram may return nothing (void): R0 is passed back as it is.
    const r0 = regs[0]!;
    if (r0.type === 'fp' && r0.frameno === st.frames.length - 1) throw new Reject('cannot return stack pointer to the caller', pc, 'EINVAL');
    const callee = st.frames.pop()!;
    const caller = cur(st);
    caller[0] = cloneReg(r0);
    for (let r = 1; r <= 5; r++) caller[r] = notInit();
    return callee.callsite + 1;
  }
  if (st.refs.length) {
    for (const r of st.refs) if (env.logLevel > 0) env.log.push(`Unreleased reference id=${r.id} alloc_insn=${r.insn}`);
    throw new Reject('BPF_EXIT instruction in main prog would lead to reference leak', pc, 'EINVAL');
  }
  if (regs[0]!.type === 'not_init') throw new Reject('R0 !read_ok', pc);
  if (env.progType === 'seccomp') checkSeccompReturn(regs[0]!, pc);
  const range = returnRange(env.progType);
  if (range) {
    const r0 = regs[0]!;
    if (r0.type !== 'scalar') throw new Reject(`At program exit the register R0 is not a known value (${typeName(r0)})`, pc);
    if (r0.s.smin < BigInt(range[0]) || r0.s.smax > BigInt(range[1])) {
      throw new Reject(`At program exit the register R0 has smin=${r0.s.smin} smax=${r0.s.smax} should have been in [${range[0]}, ${range[1]}]`, pc);
    }
  }
  return -1;
}

/**
 * bpfsim's seccomp return rule: R0 must be a scalar whose upper 32 bits are
 * zero and whose action bits (0xffff0000 of the low word) are a known, valid
 * SECCOMP_RET_* action; the low 16 data bits may vary.
 */
function checkSeccompReturn(r0: Reg, pc: number): void {
  if (r0.type !== 'scalar') throw new Reject(`At program exit the register R0 is not a known value (${typeName(r0)})`, pc);
  const t = r0.s.var_off;
  const actionMask = 0xffff0000n;
  const hiKnownZero = (t.value >> 32n) === 0n && (t.mask >> 32n) === 0n;
  const actionKnown = (t.mask & actionMask) === 0n;
  const act = Number(t.value & actionMask);
  if (!hiKnownZero || !actionKnown || !SECCOMP_ACTIONS.includes(act >>> 0)) {
    const what = tnumIsConst(t) ? `has value 0x${t.value.toString(16)}` : `has unknown action bits var_off=(0x${t.value.toString(16)}; 0x${t.mask.toString(16)})`;
    throw new Reject(`At program exit the register R0 ${what} should have been a valid seccomp action`, pc);
  }
}

function helperCall(env: Env, st: State, id: number, pc: number): void {
  if (id < 0 || id >= BPF_FUNC_MAX_ID) throw new Reject(`invalid func ${funcIdName(id)}#${id}`, pc, 'EINVAL');
  const proto = helperFor(env.progType, id);
  if (!proto) throw new Reject(`program of this type cannot use helper ${funcIdName(id)}#${id}`, pc, 'EINVAL');
  const regs = cur(st);
  let mapIdx = -1;
  let allocSize = 0;
  let releaseRef = 0;
  let pendingMem: { regno: number; write: boolean } | undefined;
  for (let i = 0; i < proto.args.length; i++) {
    const regno = i + 1;
    const a = proto.args[i]!;
    const r = regs[regno]!;
    if (r.type === 'not_init') throw new Reject(`R${regno} !read_ok`, pc);
    const typeErr = (exp: string) => new Reject(`R${regno} type=${typeName(r)} expected=${exp}`, pc);
    switch (a) {
      case 'anything': break;
      case 'ctx':
        if (r.type !== 'ctx' || r.maybeNull) throw typeErr('ctx');
        if (r.off < 0) throw new Reject(`negative offset ctx ptr R${regno} off=${r.off} disallowed`, pc);
        if (r.off) throw new Reject(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`, pc);
        if (!tnumIsConst(r.s.var_off) || r.s.var_off.value !== 0n) throw new Reject(`variable ctx access var_off=(0x${r.s.var_off.value.toString(16)}; 0x${r.s.var_off.mask.toString(16)}) disallowed`, pc);
        break;
      case 'const_map_ptr':
        if (r.type !== 'map_ptr') throw typeErr('map_ptr');
        mapIdx = r.map;
        checkMapCompat(env, proto, mapIdx, pc);
        break;
      case 'map_key':
        memArgType(r, regno, pc);
        checkHelperMem(env, st, regno, BigInt(env.maps[mapIdx]!.keySize), false, false, pc);
        break;
      case 'map_value':
        memArgType(r, regno, pc);
        checkHelperMem(env, st, regno, BigInt(env.maps[mapIdx]!.valueSize), false, false, pc);
        break;
      case 'mem': case 'mem_uninit':
        memArgType(r, regno, pc);
        pendingMem = { regno, write: a === 'mem_uninit' };
        break;
      case 'const_size': case 'const_size_or_zero': {
        if (r.type !== 'scalar') throw typeErr('scalar');
        const zeroOk = a === 'const_size_or_zero';
        if (r.s.smin < 0n) throw new Reject(`R${regno} min value is negative, either use unsigned or 'var &= const'`, pc);
        if (r.s.umin === 0n && !zeroOk) throw new Reject(`R${regno} invalid zero-sized read: u64=[${r.s.umin},${r.s.umax}]`, pc);
        if (r.s.umax >= BigInt(BPF_MAX_VAR_SIZ)) throw new Reject(`R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`, pc);
        if (pendingMem) checkHelperMem(env, st, pendingMem.regno, r.s.umax, pendingMem.write, zeroOk, pc);
        pendingMem = undefined;
        break;
      }
      case 'const_alloc_size_or_zero':
        if (r.type !== 'scalar') throw typeErr('scalar');
        if (!tnumIsConst(r.s.var_off)) throw new Reject(`R${regno} is not a known constant'`, pc);
        allocSize = Number(r.s.var_off.value);
        break;
      case 'ringbuf_release':
        if (r.type !== 'ringbuf_mem' || r.maybeNull) throw typeErr('ringbuf_mem');
        if (r.off !== 0 || !tnumIsConst(r.s.var_off) || r.s.var_off.value !== 0n) throw new Reject(`R${regno} must have zero offset when passed to release func or trusted arg to kfunc`, pc);
        if (!r.refObjId) throw new Reject(`R${regno} must be referenced when passed to release function`, pc);
        releaseRef = r.refObjId;
        break;
    }
  }
  if (releaseRef) {
    st.refs = st.refs.filter((x) => x.id !== releaseRef);
    for (const f of st.frames) {
      for (let i = 0; i < 11; i++) if (f.regs[i]!.refObjId === releaseRef) f.regs[i] = unknownReg();
      for (let s = 0; s < f.spilled.length; s++) if (f.spilled[s]?.refObjId === releaseRef) f.spilled[s] = unknownReg();
    }
  }
  for (let r = 1; r <= 5; r++) regs[r] = notInit();
  switch (proto.ret) {
    case 'integer': regs[0] = unknownReg(); break;
    case 'void': regs[0] = notInit(); break;
    case 'map_value_or_null': regs[0] = ptrReg('map_value', { map: mapIdx, maybeNull: true, id: ++env.idGen }); break;
    case 'ringbuf_mem_or_null': {
      const id = ++env.idGen;
      regs[0] = ptrReg('ringbuf_mem', { memSize: allocSize, maybeNull: true, id, refObjId: id });
      st.refs.push({ id, insn: pc });
      break;
    }
  }
  if (id === 8) { regs[0]!.s = zext32(scalarUnknown()); }
}

function memArgType(r: Reg, regno: number, pc: number): void {
  const ok = !r.maybeNull && (r.type === 'fp' || r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'map_key' || r.type === 'map_value' || r.type === 'mem' || r.type === 'ringbuf_mem');
  if (!ok) throw new Reject(`R${regno} type=${typeName(r)} expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_`, pc);
}

/** check_map_func_compatibility (the part bpfsim's helpers need). */
function checkMapCompat(env: Env, proto: HelperProto, mapIdx: number, pc: number): void {
  const m = env.maps[mapIdx]!;
  const tnum: Record<string, number> = { prog_array: 3, perf_event_array: 4, stack_trace: 7, cgroup_array: 8, ringbuf: 27, queue: 22, stack: 23, user_ringbuf: 31, bloom_filter: 30 };
  const special = Object.keys(tnum);
  const bad = proto.mapTypes ? !proto.mapTypes.includes(m.type) : special.includes(m.type);
  if (bad) {
    const mt = tnum[m.type] ?? mapTypeNumber(m.type);
    throw new Reject(`cannot pass map_type ${mt} into func bpf_${proto.name}#${proto.id}`, pc, 'EINVAL');
  }
  void MapFlag;
}

function mapTypeNumber(t: string): number {
  const order = ['unspec', 'hash', 'array', 'prog_array', 'perf_event_array', 'percpu_hash', 'percpu_array', 'stack_trace',
    'cgroup_array', 'lru_hash', 'lru_percpu_hash', 'lpm_trie'];
  const i = order.indexOf(t);
  return i < 0 ? 0 : i;
}

export { subprogOf, checkMemRegion, scalarConst };
