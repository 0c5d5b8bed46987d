/**
 * Policy → eBPF "array lookup" seccomp program (the design bpfsim evaluates):
 *
 * ```
 *   r6 = ctx (struct seccomp_data)
 *   w7 = arch;   per audit arch: if w7 != AUDIT goto next arch        (else: bad-arch outcome)
 *   w8 = nr;     x32 guards as libseccomp places them
 *   per ABI segment [lo, lo+n): r2 = r8 - lo; if r2 < n: r2 += base → lookup
 *   sparse rules outside every segment (ARM private calls): jeq chain
 *   lookup: key = r2 on the stack; r0 = bpf_map_lookup_elem(&table, &key);
 *           w0 = *(u32 *)r0   — an outcome index
 *   dispatch: a jgt/jeq tree over outcome indexes →
 *     action outcomes: w0 = SECCOMP_RET_...; exit
 *     routine outcomes: the argument checks of one syscall of one ABI
 * ```
 *
 * The table is one sealed array map (key u32, value u32 outcome index;
 * BPF_F_RDONLY_PROG, frozen) covering every ABI's dense syscall range; the
 * program verifies as bpfsim's `seccomp` program type. Arguments are read as
 * little-endian u64 (64-bit ABIs) or u32 (32-bit ABIs) from the context.
 */
import { BpfError, ErrorCode } from '../../errors.js';
import { MapFlag, type MapSpec } from '../../maps/spec.js';
import { PseudoSrc } from '../../isa/opcodes.js';
import { AUDIT_ARCH, X32_SYSCALL_BIT, requireArch, syscallsOf, type ArchInfo, type ArchName } from '../arch.js';
import { ENOSYS_RET, actionValue, type ArgCondition, type Policy, type PolicyRule } from '../policy.js';
import { EbpfEmitter, E, type Label } from './ebpf-emitter.js';

/** BPF_FUNC_map_lookup_elem. */
const MAP_LOOKUP_ELEM = 1;
/** Largest gap inside one dense segment; numbers past a bigger gap become sparse checks. */
const MAX_GAP = 1024;

/** One dense range of an ABI in the table. */
export interface ArraySegment {
  readonly arch: ArchName;
  /** First syscall number covered. */
  readonly lo: number;
  /** Number of entries. */
  readonly count: number;
  /** Index of `lo` in the map. */
  readonly base: number;
}

/** What an outcome index means. */
export type ArrayOutcome =
  | { readonly kind: 'action'; readonly ret: number }
  | { readonly kind: 'routine'; readonly arch: ArchName; readonly nr: number; readonly name: string };

/** The compiled array-lookup form. */
export interface ArrayProgram {
  /** eBPF program bytes (ld_imm64 map reference: src BPF_PSEUDO_MAP_FD, imm 0 = the table). */
  readonly program: Uint8Array;
  /** The table map's spec (contents: key → outcome index, frozen, BPF_F_RDONLY_PROG). */
  readonly map: MapSpec;
  /** The table as plain numbers (index → outcome index). */
  readonly table: Uint32Array;
  readonly segments: readonly ArraySegment[];
  /** Outcome index → meaning. */
  readonly outcomes: readonly ArrayOutcome[];
}

interface Abi {
  info: ArchInfo;
  rules: Map<number, PolicyRule[]>;
}

function u32hex(v: number): string {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** Dense range of an ABI: the syscall table plus rule numbers, cut at the first big gap. */
function denseRange(info: ArchInfo, ruleNrs: number[]): { lo: number; hi: number } {
  const nrs = [...new Set([...syscallsOf(info).map((s) => s.nr), ...ruleNrs])].sort((a, b) => a - b);
  if (nrs.length === 0) return { lo: 0, hi: -1 };
  let hi = nrs[0]!;
  for (const n of nrs) {
    if (n - hi > MAX_GAP) break;
    hi = n;
  }
  return { lo: nrs[0]!, hi };
}

/** Options of {@link compileArray}. */
export interface ArrayCompileOptions {
  /**
   * `array` (default): every number of every ABI segment has an entry.
   * `hash`: a sealed hash map holding only the numbers whose outcome is not the
   * default action (a failed lookup means the default).
   */
  readonly map?: 'array' | 'hash';
}

/**
 * Compiles a policy to the array-lookup eBPF form (or its hash-map variant).
 * @throws BpfError SECCOMP when the table would exceed 2^20 entries.
 */
export function compileArray(policy: Policy, opts: ArrayCompileOptions = {}): ArrayProgram {
  const outcomes: ArrayOutcome[] = [];
  const outcomeOf = new Map<string, number>();
  const actionOutcome = (ret: number): number => {
    const k = `a${ret >>> 0}`;
    let i = outcomeOf.get(k);
    if (i === undefined) { i = outcomes.length; outcomes.push({ kind: 'action', ret: ret >>> 0 }); outcomeOf.set(k, i); }
    return i;
  };
  const dflt = actionOutcome(actionValue(policy.defaultAction));
  const bad = actionOutcome(actionValue(policy.badArchAction));
  for (const ap of policy.arches) for (const r of ap.rules) actionOutcome(actionValue(r.action));
  const enosysOutcome = policy.enosys && policy.enosys.length > 0 ? actionOutcome(ENOSYS_RET) : -1;

  const abis: Abi[] = policy.arches.map((ap) => {
    const rules = new Map<number, PolicyRule[]>();
    for (const r of ap.rules) {
      const l = rules.get(r.nr) ?? [];
      l.push(r);
      rules.set(r.nr, l);
    }
    return { info: requireArch(ap.arch), rules };
  });

  /** Outcome of one nr on one ABI: an action, or a routine for argument checks. */
  const outcomeFor = (abi: Abi, nr: number): number => {
    const rs = abi.rules.get(nr);
    if (rs === undefined) return dflt;
    if (rs[0]!.conditions.length === 0) return actionOutcome(actionValue(rs[0]!.action));
    const k = `r${abi.info.name}:${nr}`;
    let i = outcomeOf.get(k);
    if (i === undefined) {
      i = outcomes.length;
      outcomes.push({ kind: 'routine', arch: abi.info.name, nr, name: rs[0]!.name });
      outcomeOf.set(k, i);
    }
    return i;
  };

  // table layout
  const segments: ArraySegment[] = [];
  const sparse = new Map<Abi, number[]>();
  let total = 0;
  for (const abi of abis) {
    const { lo, hi } = denseRange(abi.info, [...abi.rules.keys()]);
    const count = hi - lo + 1;
    segments.push({ arch: abi.info.name, lo, count: Math.max(0, count), base: total });
    total += Math.max(0, count);
    sparse.set(abi, [...abi.rules.keys()].filter((n) => n < lo || n > hi).sort((a, b) => a - b));
  }
  if (total > 1 << 20) throw new BpfError(ErrorCode.Seccomp, `array table would need ${total} entries`);
  const table = new Uint32Array(Math.max(1, total));
  table.fill(dflt);
  abis.forEach((abi, i) => {
    const s = segments[i]!;
    for (let k = 0; k < s.count; k++) table[s.base + k] = outcomeFor(abi, s.lo + k);
  });
  const sparseOutcome = new Map<Abi, [number, number][]>();
  for (const abi of abis) sparseOutcome.set(abi, sparse.get(abi)!.map((nr) => [nr, outcomeFor(abi, nr)]));

  const e = new EbpfEmitter();
  const outcomeLabels = outcomes.map(() => e.label());
  // outcomes may grow while compiling routines? No: every routine outcome was created above.
  const lookup = e.label();
  const L = (i: number): Label => outcomeLabels[i]!;

  e.insn(E.MOV64_X, 6, 1);
  e.insn(E.LDXW, 7, 6, 4);
  if (enosysOutcome >= 0) {
    // runc's -ENOSYS stub: numbers above the profile's largest per ABI
    const main = e.label();
    e.insn(E.LDXW, 8, 6, 0);
    for (const g of policy.enosys!) {
      const abi = requireArch(g.arch);
      const skip = e.label();
      e.jump(E.JNE32_K, 7, 0, abi.audit, skip);
      if (abi.audit === AUDIT_ARCH.X86_64 && abi.nrBit === 0) e.jump(E.JSET32_K, 8, 0, X32_SYSCALL_BIT, skip);
      if (abi.audit === AUDIT_ARCH.X86_64 && abi.nrBit !== 0) {
        const isX32 = e.label();
        e.jump(E.JSET32_K, 8, 0, X32_SYSCALL_BIT, isX32);
        e.jump(E.JA, 0, 0, 0, skip);
        e.place(isX32);
      }
      if (abi.name === 's390' || abi.name === 's390x') e.jump(E.JEQ32_K, 8, 0, 0, L(enosysOutcome));
      e.jump(E.JGT32_K, 8, 0, g.max, L(enosysOutcome));
      e.jump(E.JA, 0, 0, 0, main);
      e.place(skip);
    }
    e.place(main);
  }
  // blocks per audit arch (x86_64 and x32 share one)
  const blocks: { audit: number; abis: Abi[] }[] = [];
  for (const abi of abis) {
    const b = blocks.find((x) => x.audit === abi.info.audit);
    if (b) b.abis.push(abi);
    else blocks.push({ audit: abi.info.audit, abis: [abi] });
  }
  for (const b of blocks) {
    const next = e.label();
    e.jump(E.JNE32_K, 7, 0, b.audit, next);
    e.insn(E.LDXW, 8, 6, 0);
    const abiOf = (bit: boolean): Abi | undefined => b.abis.find((a) => (a.info.nrBit !== 0) === bit);
    const segFor = (abi: Abi): ArraySegment => segments[abis.indexOf(abi)]!;
    /** Range check and sparse checks of one ABI; falls through (miss undefined) or jumps to `miss` when nothing matched. */
    const emitSegment = (abi: Abi, miss?: Label): void => {
      const s = segFor(abi);
      if (s.count > 0) {
        e.insn(E.MOV64_X, 2, 8);
        if (s.lo !== 0) e.insn(E.SUB64_K, 2, 0, 0, s.lo);
        const skip = e.label();
        e.jump(E.JGE_K, 2, 0, s.count, skip);
        if (s.base !== 0) e.insn(E.ADD64_K, 2, 0, 0, s.base);
        e.jump(E.JA, 0, 0, 0, lookup);
        e.place(skip);
      }
      for (const [nr, o] of sparseOutcome.get(abi)!) e.jump(E.JEQ32_K, 8, 0, nr, L(o));
      if (miss !== undefined) e.jump(E.JA, 0, 0, 0, miss);
    };
    if (b.audit === AUDIT_ARCH.X86_64 && b.abis.length === 1 && abiOf(false)) {
      // x86_64 alone: x32 numbers other than -1 are a bad arch
      const ok = e.label();
      e.jump(E.JLT32_K, 8, 0, X32_SYSCALL_BIT, ok);
      e.jump(E.JEQ32_K, 8, 0, -1, L(dflt));
      e.jump(E.JA, 0, 0, 0, L(bad));
      e.place(ok);
      emitSegment(b.abis[0]!, L(dflt));
    } else if (b.audit === AUDIT_ARCH.X86_64 && b.abis.length === 1) {
      e.jump(E.JLT32_K, 8, 0, X32_SYSCALL_BIT, L(bad));
      emitSegment(b.abis[0]!, L(dflt));
    } else {
      for (let i = 0; i < b.abis.length; i++) emitSegment(b.abis[i]!, i === b.abis.length - 1 ? L(dflt) : undefined);
    }
    e.place(next);
  }
  e.jump(E.JA, 0, 0, 0, L(bad));

  // lookup and dispatch
  e.place(lookup);
  e.insn(E.STXW, 10, 2, -4);
  e.insn(E.MOV64_X, 2, 10);
  e.insn(E.ADD64_K, 2, 0, 0, -4);
  e.lddw(1, 0n, PseudoSrc.MAP_FD);
  e.insn(E.CALL, 0, 0, 0, MAP_LOOKUP_ELEM);
  e.jump(E.JEQ_K, 0, 0, 0, L(dflt));
  e.insn(E.LDXW, 0, 0, 0);
  const tree = (lo: number, hi: number): void => {
    if (hi - lo <= 3) {
      for (let i = lo; i < hi - 1; i++) e.jump(E.JEQ32_K, 0, 0, i, L(i));
      e.jump(E.JA, 0, 0, 0, L(hi - 1));
      return;
    }
    const mid = (lo + hi) >> 1;
    const right = e.label();
    e.jump(E.JGE32_K, 0, 0, mid, right);
    tree(lo, mid);
    e.place(right);
    tree(mid, hi);
  };
  tree(0, outcomes.length);

  // outcome bodies
  outcomes.forEach((o, i) => {
    e.place(L(i));
    if (o.kind === 'action') {
      e.insn(E.MOV32_K, 0, 0, 0, o.ret);
      e.insn(E.EXIT);
      return;
    }
    const abi = abis.find((a) => a.info.name === o.arch)!;
    emitRoutine(e, abi.info, abi.rules.get(o.nr)!, (ret) => L(actionOutcome(ret)), L(dflt));
  });
  if (outcomes.length !== outcomeLabels.length) throw new Error('internal: outcome created during emission');

  const hash = opts.map === 'hash';
  const entries = [...table].map((v, k) => ({ key: u32hex(k), value: u32hex(v), v })).filter((e) => !hash || e.v !== dflt);
  const map: MapSpec = {
    name: 'seccomp_table', type: hash ? 'hash' : 'array', keySize: 4, valueSize: 4, maxEntries: Math.max(1, entries.length),
    flags: MapFlag.BPF_F_RDONLY_PROG, frozen: true,
    contents: entries.map(({ key, value }) => ({ key, value })),
  };
  return { program: e.finish(), map, table, segments, outcomes };
}

/** Argument checks of one syscall: rules in order, each an AND of conditions; default when none matches. */
function emitRoutine(e: EbpfEmitter, abi: ArchInfo, rules: readonly PolicyRule[], act: (ret: number) => Label, dflt: Label): void {
  for (const r of rules) {
    const fail = e.label();
    if (r.conditions.length === 0) {
      e.jump(E.JA, 0, 0, 0, act(actionValue(r.action)));
      e.place(fail);
      return;
    }
    for (const c of r.conditions) emitCondition(e, abi, c, fail);
    e.jump(E.JA, 0, 0, 0, act(actionValue(r.action)));
    e.place(fail);
  }
  e.jump(E.JA, 0, 0, 0, dflt);
}

/** Falls through when the condition holds, jumps to `fail` otherwise. Clobbers r2, r3. */
function emitCondition(e: EbpfEmitter, abi: ArchInfo, c: ArgCondition, fail: Label): void {
  const off = 16 + 8 * c.index;
  if (abi.bits === 32) {
    const v = Number(c.value & 0xffffffffn);
    e.insn(E.LDXW, 2, 6, off);
    switch (c.op) {
      case 'EQ': e.jump(E.JNE32_K, 2, 0, v, fail); break;
      case 'NE': e.jump(E.JEQ32_K, 2, 0, v, fail); break;
      case 'GT': e.jump(E.JLE32_K, 2, 0, v, fail); break;
      case 'GE': e.jump(E.JLT32_K, 2, 0, v, fail); break;
      case 'LT': e.jump(E.JGE32_K, 2, 0, v, fail); break;
      case 'LE': e.jump(E.JGT32_K, 2, 0, v, fail); break;
      case 'MASKED_EQ':
        e.insn(E.AND32_K, 2, 0, 0, v);
        e.jump(E.JNE32_K, 2, 0, Number(c.valueTwo & c.value & 0xffffffffn), fail);
        break;
    }
    return;
  }
  e.insn(E.LDXDW, 2, 6, off);
  e.lddw(3, c.value);
  switch (c.op) {
    case 'EQ': e.jump(E.JNE_X, 2, 3, 0, fail); break;
    case 'NE': e.jump(E.JEQ_X, 2, 3, 0, fail); break;
    case 'GT': e.jump(E.JLE_X, 2, 3, 0, fail); break;
    case 'GE': e.jump(E.JLT_X, 2, 3, 0, fail); break;
    case 'LT': e.jump(E.JGE_X, 2, 3, 0, fail); break;
    case 'LE': e.jump(E.JGT_X, 2, 3, 0, fail); break;
    case 'MASKED_EQ':
      e.insn(E.AND64_X, 2, 3);
      e.lddw(3, c.valueTwo & c.value);
      e.jump(E.JNE_X, 2, 3, 0, fail);
      break;
  }
}
