/** Call generators for equivalence tests: every nr of each ABI and argument values around every constant. */
import { ARCHES, archByName, syscallsOf, X32_SYSCALL_BIT } from '../../../src/seccomp/arch.js';
import type { Policy, SyscallCall, ArgCondition } from '../../../src/seccomp/policy.js';

const M64 = (1n << 64n) - 1n;

/** Values at and around a condition's constants. */
export function valuesAround(c: ArgCondition): bigint[] {
  const out = new Set<bigint>();
  const add = (v: bigint): void => { out.add(v & M64); };
  for (const v of [c.value, c.valueTwo, c.value & 0xffffffffn]) {
    for (const d of [-1n, 0n, 1n]) {
      add(v + d);
      add((v + d) | (1n << 32n));
      add((v + d) ^ (1n << 63n));
    }
  }
  if (c.op === 'MASKED_EQ') { add(c.valueTwo | (~c.value & M64)); add(c.valueTwo & c.value); add(~c.valueTwo & M64); }
  add(0n); add(M64); add(0xffffffffn); add(1n << 32n);
  return [...out];
}

/** The nr range swept for an ABI: its whole table span plus margins and edge numbers. */
export function nrsOf(abi: string): number[] {
  const list = syscallsOf(abi);
  const a = archByName(abi)!;
  const lo = Math.max(0, list[0]!.nr - 3);
  let hi = list[list.length - 1]!.nr + 3;
  if (abi === 'arm') hi = 1200; // ARM private calls swept separately
  const s = new Set<number>();
  for (let n = lo; n <= hi; n++) s.add(n);
  if (abi === 'arm') for (let n = 0x0f0000; n < 0x0f0010; n++) s.add(n);
  for (const e of [0, 0x3fffffff, X32_SYSCALL_BIT, X32_SYSCALL_BIT + 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) s.add(e);
  void a;
  return [...s];
}

/** Every call to compare for a policy: all nrs of each ABI (plus a foreign arch) × argument vectors. */
export function* sweepCalls(policy: Policy, opts: { foreign?: boolean } = {}): Generator<SyscallCall> {
  for (const ap of policy.arches) {
    const abi = archByName(ap.arch)!;
    const withRules = new Map<number, ArgCondition[]>();
    for (const r of ap.rules) {
      const l = withRules.get(r.nr) ?? [];
      l.push(...r.conditions);
      withRules.set(r.nr, l);
    }
    for (const nr of nrsOf(ap.arch)) {
      yield { nr, arch: abi.audit, args: [] };
      const conds = withRules.get(nr);
      if (!conds || conds.length === 0) continue;
      for (const c of conds) {
        for (const v of valuesAround(c)) {
          const args = [0n, 0n, 0n, 0n, 0n, 0n];
          args[c.index] = v;
          yield { nr, arch: abi.audit, args };
        }
      }
      // all conditions at their constants together, and at MASKED_EQ's valueTwo
      const all = [0n, 0n, 0n, 0n, 0n, 0n];
      for (const c of conds) all[c.index] = c.op === 'MASKED_EQ' ? c.valueTwo : c.value;
      yield { nr, arch: abi.audit, args: all };
    }
  }
  if (opts.foreign !== false) {
    const present = new Set(policy.arches.map((a) => archByName(a.arch)!.audit));
    const other = ARCHES.find((a) => !present.has(a.audit))!;
    for (const nr of [0, 1, 59, 257]) yield { nr, arch: other.audit, args: [] };
    yield { nr: 0, arch: 0, args: [] };
  }
}
