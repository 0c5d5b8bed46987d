/**
 * Policy → classic BPF seccomp filter, in the two layouts libseccomp produces
 * (facts from libseccomp src/gen_bpf.c output, compared in
 * test/seccomp/libseccomp.test.ts):
 *
 * - `linear` (the default, SCMP_FLTATR_CTL_OPTIMIZE=1): `ld arch`, one block per
 *   audit arch (x86_64 and x32 share one block; a lone x86_64 block sends
 *   x32 numbers other than -1 to the bad-arch action, a lone x32 block sends
 *   non-x32 numbers there); in each block `ld nr` and a chain of `jeq nr`
 *   checks — syscalls without argument rules first, then by rule complexity —
 *   each followed by its argument checks; the default action last; shared
 *   `ret` blocks at the end of the program.
 * - `tree` (SCMP_FLTATR_CTL_OPTIMIZE=2): the syscall numbers of a block sorted
 *   and dispatched through a `jgt` binary tree whose leaves test up to four
 *   numbers with `jeq`.
 *
 * With `policy.enosys`, runc's -ENOSYS stub is emitted in front (see {@link emitEnosysStub}).
 *
 * 64-bit argument comparisons are split into 32-bit halves (high word first);
 * 32-bit ABIs compare only the low word. The argument words sit at
 * 16 + 8*i (low) and 20 + 8*i (high) on little-endian ABIs, swapped on
 * big-endian ones.
 */
import type { SockFilter } from '../../cbpf/insn.js';
import { SeccompDataOffset } from '../data.js';
import { requireArch, AUDIT_ARCH, X32_SYSCALL_BIT, type ArchInfo } from '../arch.js';
import { ENOSYS_RET, actionValue, type ArgCondition, type ArchPolicy, type EnosysGuard, type Policy, type PolicyRule } from '../policy.js';
import { BackwardEmitter, OP, type Target } from './emitter.js';

/** Classic layouts. */
export type ClassicForm = 'linear' | 'tree';

/** One syscall's rules within a block. */
interface Chain {
  readonly nr: number;
  readonly rules: readonly PolicyRule[];
  readonly abi: ArchInfo;
}

/** One audit-arch block (x86_64 + x32 merged). */
interface Block {
  readonly audit: number;
  readonly abis: readonly ArchInfo[];
  readonly chains: Chain[];
}

const NR = SeccompDataOffset.nr;
const ARCH = SeccompDataOffset.arch;

function blocksOf(policy: Policy): Block[] {
  const blocks: Block[] = [];
  for (const ap of policy.arches) {
    const abi = requireArch(ap.arch);
    let b = blocks.find((x) => x.audit === abi.audit);
    if (!b) {
      b = { audit: abi.audit, abis: [], chains: [] };
      blocks.push(b);
    }
    (b.abis as ArchInfo[]).push(abi);
    b.chains.push(...chainsOf(ap, abi));
  }
  return blocks;
}

function chainsOf(ap: ArchPolicy, abi: ArchInfo): Chain[] {
  const by = new Map<number, PolicyRule[]>();
  for (const r of ap.rules) {
    let l = by.get(r.nr);
    if (!l) by.set(r.nr, (l = []));
    l.push(r);
  }
  return [...by].map(([nr, rules]) => ({ nr, rules, abi }));
}

/** libseccomp-like priority: unconditional syscalls first, then by total condition count; ties by number. */
function complexity(c: Chain): number {
  return c.rules.reduce((n, r) => n + r.conditions.length, 0);
}

/** Word offsets of argument i: [low, high]. */
function argWords(abi: ArchInfo, i: number): [number, number] {
  const base = SeccompDataOffset.args + 8 * i;
  return abi.endian === 'little' ? [base, base + 4] : [base + 4, base];
}

/** Emits one condition (backwards); returns its entry. Clobbers A. */
function emitCondition(e: BackwardEmitter, c: ArgCondition, abi: ArchInfo, ok: Target, fail: Target): Target {
  const [loOff, hiOff] = argWords(abi, c.index);
  const v = c.value;
  const vlo = Number(v & 0xffffffffn);
  const vhi = Number((v >> 32n) & 0xffffffffn);
  const w2 = c.valueTwo;
  const dlo = Number(w2 & 0xffffffffn);
  const dhi = Number((w2 >> 32n) & 0xffffffffn);
  // low-word test, then (64-bit ABIs) the high-word test in front of it
  let lo: Target;
  switch (c.op) {
    case 'EQ': lo = e.jump(OP.JEQ, vlo, ok, fail); break;
    case 'NE': lo = e.jump(OP.JEQ, vlo, fail, ok); break;
    case 'GT': lo = e.jump(OP.JGT, vlo, ok, fail); break;
    case 'GE': lo = e.jump(OP.JGE, vlo, ok, fail); break;
    case 'LT': lo = e.jump(OP.JGE, vlo, fail, ok); break;
    case 'LE': lo = e.jump(OP.JGT, vlo, fail, ok); break;
    case 'MASKED_EQ': lo = e.jump(OP.JEQ, (dlo & vlo) >>> 0, ok, fail); lo = e.plain(OP.AND, vlo); break;
  }
  lo = e.plain(OP.LD_ABS, loOff);
  if (abi.bits === 32) return lo;
  switch (c.op) {
    case 'EQ': e.jump(OP.JEQ, vhi, lo, fail); break;
    case 'NE': e.jump(OP.JEQ, vhi, lo, ok); break;
    case 'GT': case 'GE': { const eq = e.jump(OP.JEQ, vhi, lo, fail); e.jump(OP.JGT, vhi, ok, eq); break; }
    case 'LT': case 'LE': { const eq = e.jump(OP.JEQ, vhi, lo, ok); e.jump(OP.JGT, vhi, fail, eq); break; }
    case 'MASKED_EQ': e.jump(OP.JEQ, (dhi & vhi) >>> 0, lo, fail); e.plain(OP.AND, vhi); break;
  }
  return e.plain(OP.LD_ABS, hiOff);
}

/** Emits the argument checks of a syscall (rules in order, then the default action). */
function emitBody(e: BackwardEmitter, c: Chain, dflt: Target): Target {
  let next = dflt;
  for (let i = c.rules.length - 1; i >= 0; i--) {
    const r = c.rules[i]!;
    let ok: Target = { ret: actionValue(r.action) };
    if (r.conditions.length === 0) { next = e.resolve(ok); continue; }
    for (let j = r.conditions.length - 1; j >= 0; j--) ok = emitCondition(e, r.conditions[j]!, c.abi, ok, next);
    next = ok;
  }
  return next;
}

function isUnconditional(c: Chain): boolean {
  return c.rules[0]!.conditions.length === 0;
}

function emitTree(e: BackwardEmitter, chains: Chain[], dflt: Target, dfltRet: number): Target {
  const sorted = [...chains].sort((a, b) => a.nr - b.nr);
  // bodies of syscalls with argument rules, emitted once
  const entry = new Map<number, Target>();
  for (let i = sorted.length - 1; i >= 0; i--) {
    const c = sorted[i]!;
    entry.set(c.nr, isUnconditional(c) ? { ret: actionValue(c.rules[0]!.action) } : emitBody(e, c, { ret: dfltRet }));
  }
  const node = (lo: number, hi: number): Target => {
    if (hi - lo <= 4) {
      let next: Target = dflt;
      for (let i = hi - 1; i >= lo; i--) next = e.jump(OP.JEQ, sorted[i]!.nr, entry.get(sorted[i]!.nr)!, next);
      return next;
    }
    const mid = (lo + hi) >> 1;
    const right = node(mid, hi);
    const left = node(lo, mid);
    return e.jump(OP.JGT, sorted[mid - 1]!.nr, right, left);
  };
  return sorted.length === 0 ? e.resolve(dflt) : node(0, sorted.length);
}

/**
 * Compiles a policy into a classic seccomp filter.
 * @throws BpfError SECCOMP when the filter would exceed BPF_MAXINSNS (4096).
 */
export function compileClassic(policy: Policy, form: ClassicForm = 'linear'): SockFilter[] {
  const e = new BackwardEmitter();
  const bad = actionValue(policy.badArchAction);
  const dfltRet = actionValue(policy.defaultAction);
  // shared action blocks at the end: bad arch, default, then every rule action
  const acts = new Set<number>();
  for (const ap of policy.arches) for (const r of ap.rules) acts.add(actionValue(r.action));
  e.ret(bad);
  e.ret(dfltRet);
  for (const a of [...acts].reverse()) if (a !== dfltRet && a !== bad) e.ret(a);
  const blocks = blocksOf(policy);
  let nextBlock: Target = { ret: bad };
  for (let bi = blocks.length - 1; bi >= 0; bi--) {
    const b = blocks[bi]!;
    let body = form === 'tree' ? emitTree(e, b.chains, { ret: dfltRet }, dfltRet) : emitLinear(e, b.chains, dfltRet);
    if (b.audit === AUDIT_ARCH.X86_64) {
      const has64 = b.abis.some((a) => a.nrBit === 0);
      const has32 = b.abis.some((a) => a.nrBit !== 0);
      if (has64 && !has32) {
        const minus1 = e.jump(OP.JEQ, 0xffffffff, body, { ret: bad });
        body = e.jump(OP.JGE, X32_SYSCALL_BIT, minus1, body);
      } else if (has32 && !has64) {
        body = e.jump(OP.JGE, X32_SYSCALL_BIT, body, { ret: bad });
      }
    }
    e.goto(body); // the block's entry must follow `ld nr` (a ja, or a ret copy, when it does not)
    e.plain(OP.LD_ABS, NR);
    nextBlock = e.jump(OP.JEQ, b.audit, { pos: e.next - 1 }, nextBlock);
  }
  e.plain(OP.LD_ABS, ARCH);
  if (policy.enosys && policy.enosys.length > 0) emitEnosysStub(e, policy.enosys, { pos: e.next - 1 });
  return e.finish();
}

/**
 * runc's -ENOSYS stub in front of the filter (libcontainer/seccomp/patchbpf):
 * `ld arch`, a `jeq` per audit arch to its section, each section `ld nr`,
 * the x32 bit test (`jset 0x40000000`) where x86_64 / x32 share an arch,
 * `jeq 0` on s390(x), `jgt max` → ERRNO(ENOSYS); everything else enters the filter.
 */
function emitEnosysStub(e: BackwardEmitter, guards: readonly EnosysGuard[], filter: Target): void {
  const enosys: Target = { ret: ENOSYS_RET };
  const byAudit: { audit: number; gs: { g: EnosysGuard; abi: ArchInfo }[] }[] = [];
  for (const g of guards) {
    const abi = requireArch(g.arch);
    const b = byAudit.find((x) => x.audit === abi.audit);
    if (b) b.gs.push({ g, abi });
    else byAudit.push({ audit: abi.audit, gs: [{ g, abi }] });
  }
  const entries: Target[] = [];
  for (let i = byAudit.length - 1; i >= 0; i--) {
    const { audit, gs } = byAudit[i]!;
    let entry: Target;
    const check = (g: EnosysGuard, abi: ArchInfo): Target => {
      const t = e.jump(OP.JGT, g.max >>> 0, enosys, filter);
      return abi.name === 's390' || abi.name === 's390x' ? e.jump(OP.JEQ, 0, enosys, t) : t;
    };
    if (audit === AUDIT_ARCH.X86_64) {
      const g64 = gs.find((x) => x.abi.nrBit === 0);
      const g32 = gs.find((x) => x.abi.nrBit !== 0);
      const c32 = g32 ? check(g32.g, g32.abi) : filter;
      const c64 = g64 ? check(g64.g, g64.abi) : filter;
      entry = e.jump(OP.JSET, X32_SYSCALL_BIT, c32, c64);
    } else {
      entry = check(gs[0]!.g, gs[0]!.abi);
    }
    e.goto(entry);
    entries.unshift(e.plain(OP.LD_ABS, NR));
  }
  let next: Target = filter;
  for (let i = byAudit.length - 1; i >= 0; i--) next = e.jump(OP.JEQ, byAudit[i]!.audit, entries[i]!, next);
  e.goto(next);
  e.plain(OP.LD_ABS, ARCH);
}

/** Emits the nr dispatch of a block (after `ld nr`) as a jeq chain; returns its entry. */
function emitLinear(e: BackwardEmitter, chains: Chain[], dfltRet: number): Target {
  const ordered = [...chains].sort((a, b) => complexity(a) - complexity(b) || a.nr - b.nr);
  let next: Target = e.resolve({ ret: dfltRet });
  for (let i = ordered.length - 1; i >= 0; i--) {
    const c = ordered[i]!;
    if (isUnconditional(c)) {
      next = e.jump(OP.JEQ, c.nr, { ret: actionValue(c.rules[0]!.action) }, next);
    } else {
      const skip = next;
      const body = emitBody(e, c, { ret: dfltRet });
      next = e.jump(OP.JEQ, c.nr, body, skip);
    }
  }
  return next;
}
