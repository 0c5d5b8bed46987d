/**
 * The seccomp profile differential: a profile (the embedded default, or a
 * random one) is translated to a policy and compiled to the classic linear
 * and tree filters; the KERNEL evaluates both filters (koracle seccomp-eval,
 * x86_64 `syscall` and i386 `int $0x80`) on every syscall number 0..1023, the
 * x32 numbers, edge numbers, and argument edge values derived from the
 * policy's conditions; bpfsim's four evaluators (linear, tree, array, model)
 * must return the kernel's value for the same call.
 */
import {
  AUDIT_ARCH, type Policy, type SeccompProfile, type SyscallCall, filterToHex, formatAction, makeEvaluator,
  profileToPolicy, compileClassic, parseProfile, syscallsOf,
} from '../../../src/index.js';
import { koracleBatch } from '../../support/koracle.js';
import { Rand, Tally } from './rng.js';

const M64 = 0xffffffffffffffffn;

/** Edge values around a 64-bit datum. */
function around(v: bigint): bigint[] {
  const lo = v & 0xffffffffn; const hi = v >> 32n;
  return [v, (v + 1n) & M64, (v - 1n) & M64, v ^ (1n << 63n), lo, hi << 32n, (lo | (0xffffffffn << 32n)) & M64, ~v & M64, (v + 0x100000000n) & M64];
}

/** The calls to evaluate for a policy (x86_64 conventions; i386 truncation applied by {@link forI386}). */
export function policyCalls(policy: Policy, r: Rand, extraRandom = 200): bigint[][] {
  const out: bigint[][] = [];
  for (let nr = 0; nr < 1024; nr++) out.push([BigInt(nr)]);
  for (let nr = 0; nr < 600; nr++) out.push([BigInt(0x40000000 + nr)]);
  for (const nr of [0x3fffffff, 0x40000000 - 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x100000000 + 1, 0x40000200]) out.push([BigInt(nr)]);
  const edge = [0n, 1n, M64, 0xffffffffn, 0x80000000n, 0x7fffffffn, 0x100000000n, 1n << 63n];
  for (const ap of policy.arches) {
    for (const rule of ap.rules) {
      if (rule.conditions.length === 0) continue;
      const vals = new Set<bigint>(edge);
      for (const c of rule.conditions) {
        for (const x of around(c.value)) vals.add(x);
        for (const x of around(c.valueTwo)) vals.add(x);
        if (c.op === 'MASKED_EQ') { vals.add(c.valueTwo | (~c.value & M64)); vals.add(c.valueTwo & c.value); }
      }
      const vs = [...vals];
      for (const v of vs) {
        for (const c of rule.conditions) {
          const args = [0n, 0n, 0n, 0n, 0n, 0n];
          args[c.index] = v;
          out.push([BigInt(rule.nr), ...args]);
        }
      }
      // all conditions satisfied-ish at once, plus random other args
      for (let i = 0; i < 8; i++) {
        const args = [0n, 0n, 0n, 0n, 0n, 0n].map(() => (r.chance(0.5) ? r.pick(vs) : r.u64()));
        out.push([BigInt(rule.nr), ...args]);
      }
    }
  }
  for (let i = 0; i < extraRandom; i++) out.push([BigInt(r.int(512)), ...Array.from({ length: 6 }, () => r.u64())]);
  return out.map((c) => (c[0] === 335n || c[0] === 336n ? [334n, ...c.slice(1)] : c));
}

function toCall(c: bigint[], arch: 'x86_64' | 'i386'): SyscallCall {
  const nr = Number(c[0]! & 0xffffffffn);
  const args = [0, 1, 2, 3, 4, 5].map((i) => (c[i + 1] ?? 0n) & (arch === 'i386' ? 0xffffffffn : M64));
  return { nr, arch: arch === 'i386' ? AUDIT_ARCH.I386 : AUDIT_ARCH.X86_64, args };
}

/**
 * Evaluates `policy` compiled to linear and tree in the kernel and in bpfsim (linear, tree, array, model).
 * Disagreement categories name the form, the kernel action and bpfsim's.
 */
export function profileDifferential(name: string, policy: Policy, r: Rand, t?: Tally): Tally {
  const tally = t ?? new Tally(`seccomp profile (${name})`);
  const calls = policyCalls(policy, r);
  const evals = (['linear', 'tree', 'array', 'model'] as const).map((f) => makeEvaluator(policy, f));
  for (const kform of ['linear', 'tree'] as const) {
    const hex = filterToHex(compileClassic(policy, kform));
    for (const arch of ['x86_64', 'i386'] as const) {
      const cs = arch === 'i386' ? calls.filter((c) => c[0]! < 0x40000000n) : calls;
      const [k] = koracleBatch('seccomp-eval', [{ prog: hex, arch, inputs: cs.map((c) => c.map((v) => '0x' + v.toString(16))) }]);
      if (k!.status !== 'ok') { tally.bad(`kernel refused the ${kform} filter: ${k!.status} ${k!.errno_name ?? ''} ${k!.error ?? ''}`, `hex ${hex.slice(0, 200)}...`); continue; }
      cs.forEach((c, i) => {
        const kv = k!.results[i];
        if (kv === null || kv === undefined) { tally.skip(`kernel gave no value (${k!.actions?.[i] ?? '?'})`); return; }
        const call = toCall(c, arch);
        let bad = false;
        for (const e of evals) {
          let v: number;
          try { v = e.run(call) >>> 0; } catch (err) { tally.bad(`${e.form} throws`, String(err)); bad = true; continue; }
          if (v === (kv >>> 0)) continue;
          bad = true;
          tally.bad(`${arch} kernel(${kform}) ${formatAction(kv).replace(/\(.*/, '')} vs bpfsim ${e.form} ${formatAction(v).replace(/\(.*/, '')}`,
            `nr ${call.nr} (0x${call.nr.toString(16)}) args ${call.args!.map((a) => '0x' + a.toString(16)).join(',')}: kernel 0x${(kv >>> 0).toString(16)} bpfsim 0x${v.toString(16)}`);
        }
        if (!bad) tally.ok();
      });
    }
  }
  return tally;
}

/** Random Docker-style profiles: default action, syscalls by name with actions and argument rules. */
export function randomProfile(r: Rand, names: readonly string[] = syscallsOf('x86_64').map((x) => x.name)): SeccompProfile {
  const acts = ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'];
  const ops = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
  const syscalls: unknown[] = [];
  for (let i = r.range(1, 12); i > 0; i--) {
    const entry: Record<string, unknown> = { names: Array.from({ length: r.range(1, 4) }, () => r.pick(names)), action: r.pick(acts) };
    if (entry.action === 'SCMP_ACT_ERRNO' && r.chance(0.5)) entry.errnoRet = r.pick([1, 13, 38, 4095, 0]);
    if (r.chance(0.5)) {
      entry.args = Array.from({ length: r.range(1, 3) }, () => {
        const v = r.u64();
        return { index: r.int(6), op: r.pick(ops), value: Number(v & 0x1fffffffffffffn), valueTwo: r.chance(0.5) ? Number(r.u64() & 0xffffn) : 0 };
      });
    }
    syscalls.push(entry);
  }
  return parseProfile(JSON.stringify({
    defaultAction: r.pick(['SCMP_ACT_ERRNO', 'SCMP_ACT_ALLOW', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_LOG']),
    ...(r.chance(0.5) ? { defaultErrnoRet: r.pick([1, 38, 4095]) } : {}),
    architectures: r.pick([['SCMP_ARCH_X86_64'], ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']]),
    syscalls,
  }));
}

export { profileToPolicy };
