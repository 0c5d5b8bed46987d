/**
 * The seccomp program type: random filters over `struct seccomp_data` with a
 * sealed policy map. Whatever the verifier accepts runs without a fault on
 * random seccomp_data and returns a valid SECCOMP_RET_* action (upper 32
 * bits zero, action bits one of the eight actions).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { I } from '../../src/asm/index.js';
import { Vm, mapHelpers } from '../../src/index.js';
import { type Insn, encodeInsns } from '../../src/isa/insn.js';
import { createMap } from '../../src/maps/index.js';
import type { MapSpec } from '../../src/maps/spec.js';
import { SECCOMP_ACTIONS, verify } from '../../src/verifier/index.js';
import { rng } from './gen.js';

const ACTIONS = [0x7fff0000, 0x00050000, 0x80000000, 0x7ffc0000, 0x12340000, 0x00050001];

function gen(seed: number): Uint8Array {
  const R = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(R() * xs.length)]!;
  const body: Insn[] = [I.mov64Reg(6, 1)];
  // r7 = policy word from the sealed map (constant to the verifier) or an action constant
  if (R() < 0.5) body.push(...I.ldMapValue(7, 0, pick([0, 4])), I.ldxw(7, 7, 0));
  else body.push(I.mov32Imm(7, pick(ACTIONS)));
  const n = 3 + Math.floor(R() * 6);
  for (let i = 0; i < n; i++) {
    const k = R();
    if (k < 0.4) body.push(pick([I.ldxw(2, 6, pick([0, 4, 16, 20, 60, 62])), I.ldxdw(2, 6, pick([8, 16, 56, 60]))]));
    else if (k < 0.7) body.push(I.jeqImm(2, pick([0, 1, 59, 60]), 1), I.mov32Imm(7, pick(ACTIONS)));
    else if (k < 0.85) body.push(I.and32Imm(2, 0xfff), I.or32Reg(7, 2));
    else body.push(I.mov64Reg(0, 2));
  }
  body.push(I.mov64Reg(0, 7), I.exit());
  return encodeInsns(body);
}

describe('seccomp program type', () => {
  it('accepted filters never fault and always return a valid action', () => {
    const spec: MapSpec = { type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0x80, frozen: true, contents: [{ key: '00000000', value: '0000ff7f00000500' }] };
    let accepted = 0;
    fc.assert(fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
      const bytes = gen(seed);
      const r = verify(bytes, { progType: 'seccomp', maps: [spec] });
      if (!r.accepted) return;
      accepted++;
      const R = rng(seed);
      for (let i = 0; i < 4; i++) {
        const vm = new Vm({ helpers: mapHelpers() });
        const m = createMap({ ...spec, frozen: false, flags: 0 }, vm.memory);
        m.update(new Uint8Array(4), new Uint8Array([0, 0, 0xff, 0x7f, 0, 0, 5, 0]), 0);
        const ctx = new Uint8Array(64).map(() => Math.floor(R() * 256));
        const out = vm.load(bytes, { progType: 'seccomp', maps: [m] }).run({ ctx });
        expect(out.r0 >> 32n).toBe(0n);
        expect(SECCOMP_ACTIONS).toContain(Number(out.r0 & 0xffff0000n) >>> 0);
      }
    }), { numRuns: 300 });
    expect(accepted).toBeGreaterThan(20);
  });
});
