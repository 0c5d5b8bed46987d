/**
 * The verifier's fast paths agree with the scalar module: its constant
 * constructor, and constant folding of ALU operations and branch decisions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBranchTaken, scalarAlu, scalarsEqual, scalarConst as moduleConst } from '../../src/verifier/scalar/index.js';
import { scalarConst } from '../../src/verifier/scalar-api.js';
import { v } from './support.js';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const interesting = fc.oneof(u64, fc.constantFrom(0n, 1n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, (1n << 63n), (1n << 64n) - 1n));

describe('verifier fast paths', () => {
  it('scalarConst equals the scalar module\'s', () => {
    fc.assert(fc.property(interesting, (x) => { expect(scalarsEqual(scalarConst(x), moduleConst(x))).toBe(true); }), { numRuns: 500 });
  });
  it('constant folding gives the scalar module\'s result (via the verifier on programs)', () => {
    const ops = ['+=', '-=', '*=', '|=', '&=', '^=', '<<=', '>>=', 's>>='] as const;
    const names = ['add', 'sub', 'mul', 'or', 'and', 'xor', 'lsh', 'rsh', 'arsh'] as const;
    fc.assert(fc.property(interesting, interesting, fc.integer({ min: 0, max: 8 }), fc.boolean(), (a, b, k, is64) => {
      const w = is64 ? 'r' : 'w';
      const bb = k >= 6 ? b % (is64 ? 64n : 32n) : b;
      const expected = scalarAlu(names[k]!, is64, moduleConst(a), moduleConst(bb));
      // r0 = a; r1 = b; r0 op= r1; then compare r0 with the expected constant: the path that disagrees reads r0 from 0.
      const src = `r0 = ${a} ll\nr1 = ${bb} ll\n${w}0 ${ops[k]} ${w}1\nr2 = ${expected.var_off.value} ll\nif r0 == r2 goto pc+1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit`;
      expect(expected.var_off.mask).toBe(0n);
      expect(v(src).message).toBe('');
    }), { numRuns: 300 });
  });
  it('constant branch decisions agree with isBranchTaken', () => {
    const ops = ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&'] as const;
    const names = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'] as const;
    fc.assert(fc.property(interesting, interesting, fc.integer({ min: 0, max: 10 }), fc.boolean(), (a, b, k, is32) => {
      const t = isBranchTaken(names[k]!, is32, moduleConst(a), moduleConst(b));
      const w = is32 ? 'w' : 'r';
      // The not-taken path dereferences r0 (a scalar): rejected exactly when the fall-through is explored.
      const src = `r0 = ${a} ll\nr1 = ${b} ll\nif ${w}0 ${ops[k]} ${w}1 goto pc+1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit`;
      expect(v(src).accepted).toBe(t === 1);
    }), { numRuns: 300 });
  });
});
