import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  compileArray, ArrayRunner, evaluatePolicy, profileToPolicy, defaultProfile, action, type Policy,
} from '../../src/seccomp/index.js';
import { verify } from '../../src/verifier/verifier.js';
import { MapFlag } from '../../src/maps/spec.js';
import { sweepCalls } from './support/sweep.js';
import { policyArb } from './support/policies.js';

function expectSame(policy: Policy, stride = 1, map: 'array' | 'hash' = 'array'): number {
  const r = new ArrayRunner(compileArray(policy, { map }));
  let n = 0;
  let i = 0;
  for (const call of sweepCalls(policy)) {
    if (i++ % stride !== 0 && !(call.args?.some((a) => a !== 0n) ?? false)) continue;
    const want = evaluatePolicy(policy, call).ret;
    const got = r.run(call);
    if (got !== want) {
      throw new Error(`array: nr=${call.nr} arch=0x${(call.arch >>> 0).toString(16)} args=${call.args?.join(',')}: program 0x${got.toString(16)}, model 0x${want.toString(16)}`);
    }
    n++;
  }
  return n;
}

describe('eBPF array-lookup form', () => {
  it('verifies as the seccomp program type only with its map sealed', () => {
    const c = compileArray(profileToPolicy(defaultProfile(), { kernel: '6.1' }));
    const ok = verify(c.program, { progType: 'seccomp', maps: [c.map] });
    expect(ok.accepted, ok.log).toBe(true);
    const unfrozen = verify(c.program, { progType: 'seccomp', maps: [{ ...c.map, frozen: false }] });
    expect(unfrozen.accepted).toBe(false);
    const writable = verify(c.program, { progType: 'seccomp', maps: [{ ...c.map, flags: 0 }] });
    expect(writable.accepted).toBe(false);
    expect(c.map.flags & MapFlag.BPF_F_RDONLY_PROG).toBeTruthy();
  });
  it.each(['x86_64', 'aarch64', 's390x', 'mips64', 'x86'])('default profile for %s equals the model', (arch) => {
    const p = profileToPolicy(defaultProfile(), { arch, kernel: '6.1', caps: [] });
    expect(expectSame(p, 3)).toBeGreaterThan(300);
  });
  it('hash-map variant: verifies sealed, holds only non-default numbers, equals the model', () => {
    const p = profileToPolicy(defaultProfile(), { kernel: '6.1' });
    const c = compileArray(p, { map: 'hash' });
    expect(c.map.type).toBe('hash');
    expect(c.map.maxEntries).toBeLessThan(compileArray(p).map.maxEntries);
    expect(verify(c.program, { progType: 'seccomp', maps: [c.map] }).accepted).toBe(true);
    expect(verify(c.program, { progType: 'seccomp', maps: [{ ...c.map, frozen: false }] }).accepted).toBe(false);
    expectSame(p, 5, 'hash');
    fc.assert(fc.property(policyArb(), (q) => { expectSame(q, 11, 'hash'); }), { numRuns: 4 });
  });
  it('random policies equal the model', () => {
    fc.assert(fc.property(policyArb(), (p) => { expectSame(p, 7); }), { numRuns: 8 });
  });
  it('table layout: segments per ABI, outcomes', () => {
    const p = profileToPolicy(defaultProfile(), { kernel: '6.1' });
    const c = compileArray(p);
    expect(c.segments.map((s) => s.arch)).toEqual(['x86_64', 'x86', 'x32']);
    expect(c.segments[2]!.lo).toBe(0x40000000);
    expect(c.outcomes.filter((o) => o.kind === 'routine').map((o) => o.kind === 'routine' && o.name)).toContain('personality');
    expect(c.table.length).toBe(c.map.maxEntries);
    void action;
  });
});
