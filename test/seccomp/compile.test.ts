import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  compileClassic, ClassicRunner, evaluatePolicy, profileToPolicy, defaultProfile, action, syscallsOf, archByName,
  type Policy, type PolicyRule, type ArgCondition, type CompareOp, type ArchName,
} from '../../src/seccomp/index.js';
import { checkSeccompFilter } from '../../src/cbpf/check.js';
import { sweepCalls } from './support/sweep.js';

const FORMS = ['linear', 'tree'] as const;

function expectSame(policy: Policy, form: (typeof FORMS)[number]): number {
  const filter = compileClassic(policy, form);
  expect(checkSeccompFilter(filter).ok).toBe(true);
  const r = new ClassicRunner(filter);
  let n = 0;
  for (const call of sweepCalls(policy)) {
    const want = evaluatePolicy(policy, call).ret;
    const got = r.run(call);
    if (got !== want) {
      throw new Error(`${form}: nr=${call.nr} arch=0x${(call.arch >>> 0).toString(16)} args=${call.args?.join(',')}: filter 0x${got.toString(16)}, model 0x${want.toString(16)}`);
    }
    n++;
  }
  return n;
}

describe.each(FORMS)('classic %s form equals the model', (form) => {
  it.each(['x86_64', 'aarch64', 's390x', 'mips64', 'ppc64le', 'riscv64', 'x86'])('default profile for %s', (arch) => {
    const p = profileToPolicy(defaultProfile(), { arch, kernel: '6.1', caps: [] });
    expect(expectSame(p, form)).toBeGreaterThan(500);
  });
});

const OPS: CompareOp[] = ['EQ', 'NE', 'LT', 'LE', 'GT', 'GE', 'MASKED_EQ'];
const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n }),
  fc.constantFrom(0xffffffffn, 1n << 32n, (1n << 64n) - 1n, 1n << 63n, 0x100000001n),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);
const cond: fc.Arbitrary<ArgCondition> = fc.record({
  index: fc.integer({ min: 0, max: 5 }), op: fc.constantFrom(...OPS), value: u64, valueTwo: u64,
});
const act = fc.oneof(
  fc.constant(action('ALLOW')), fc.constant(action('KILL_PROCESS')), fc.constant(action('LOG')),
  fc.integer({ min: 0, max: 0xffff }).map((d) => action('ERRNO', d)), fc.integer({ min: 0, max: 0xffff }).map((d) => action('TRACE', d)),
);

/** Random policies over a few ABIs with small syscall sets. */
export function policyArb(arches: ArchName[][] = [['x86_64'], ['x86_64', 'x32', 'x86'], ['x32'], ['aarch64', 'arm'], ['s390x'], ['mipsel64n32']]): fc.Arbitrary<Policy> {
  return fc.constantFrom(...arches).chain((abis) => fc.record({
    defaultAction: act,
    badArchAction: fc.constantFrom(action('KILL_THREAD'), action('ERRNO', 38)),
    arches: fc.tuple(...abis.map((a) => fc.array(fc.record({
      pick: fc.nat(), action: act, conditions: fc.array(cond, { maxLength: 3 }),
    }), { maxLength: 12 }).map((rs) => {
      const table = syscallsOf(a);
      const rules: PolicyRule[] = rs.map((r) => {
        const s = table[r.pick % Math.min(table.length, 40)]!;
        return { nr: s.nr, name: s.name, action: r.action, conditions: r.conditions };
      });
      return { arch: a, rules };
    }))),
    flags: fc.constant([] as string[]),
    warnings: fc.constant([] as string[]),
  }));
}

describe('random policies: linear and tree agree with the model', () => {
  it('on every nr and on argument values around every constant', () => {
    fc.assert(fc.property(policyArb(), (p) => {
      for (const f of FORMS) expectSame(p, f);
    }), { numRuns: 40 });
  });
  it('long filters use ret copies and trampolines within 8-bit jumps', () => {
    const rules: PolicyRule[] = syscallsOf('x86_64').slice(0, 300).map((s, i) => ({
      nr: s.nr, name: s.name, action: i % 3 === 0 ? action('ERRNO', i) : action('ALLOW'),
      conditions: i % 7 === 0 ? [{ index: 1, op: 'GT', value: BigInt(i) << 20n, valueTwo: 0n }] : [],
    }));
    const p: Policy = { defaultAction: action('KILL_PROCESS'), badArchAction: action('KILL_THREAD'), arches: [{ arch: 'x86_64', rules }], flags: [], warnings: [] };
    for (const f of FORMS) {
      const filter = compileClassic(p, f);
      expect(filter.length).toBeGreaterThan(300);
      expectSame(p, f);
    }
  });
});

describe('layout matches libseccomp', () => {
  it('x86_64 alone: arch check, x32 guard with the -1 exception, chain, shared rets', () => {
    const p: Policy = {
      defaultAction: action('ERRNO', 38), badArchAction: action('KILL_THREAD'), flags: [], warnings: [],
      arches: [{ arch: 'x86_64', rules: [
        { nr: 0, name: 'read', action: action('ALLOW'), conditions: [] },
        { nr: 1, name: 'write', action: action('ALLOW'), conditions: [] },
        { nr: 101, name: 'ptrace', action: action('ERRNO', 1), conditions: [] },
      ] }],
    };
    const f = compileClassic(p, 'linear').map((i) => [i.code, i.jt, i.jf, i.k]);
    expect(f.slice(0, 5)).toEqual([
      [0x20, 0, 0, 4], [0x15, 0, f[1]![2], 0xc000003e], [0x20, 0, 0, 0], [0x35, 0, 1, 0x40000000], [0x15, 0, f[4]![2], 0xffffffff],
    ]);
    expect(f.slice(5, 8).map((x) => x[3])).toEqual([0, 1, 101]);
    void archByName;
  });
});
