import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  compileClassic, ClassicRunner, evaluatePolicy, profileToPolicy, defaultProfile, action, syscallsOf, archByName,
  type Policy, type PolicyRule,
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

import { policyArb } from './support/policies.js';

describe('random policies: linear and tree agree with the model', () => {
  it('on every nr and on argument values around every constant', () => {
    fc.assert(fc.property(policyArb(), (p) => {
      for (const f of FORMS) expectSame(p, f);
    }), { numRuns: 25 });
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
