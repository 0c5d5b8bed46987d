/**
 * The shortcuts of scalarAlu (constant operands) and boundsSync (constant or
 * fully unknown scalars) must give exactly what the step-by-step kernel
 * pipeline gives (scalarAluKernel, boundsSyncKernel).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALU_OPS, type AluOpName, SCALAR_UNKNOWN, boundsSync, boundsSyncKernel, makeScalar, scalarAlu, scalarAluKernel,
  scalarConst,
} from '../../../src/verifier/scalar/index.js';
import { abstractSet, arbSet, arbU64, loosen } from './oracle.js';

describe('shortcuts agree with the kernel pipeline', () => {
  it.each(ALU_OPS.map((op) => [op]))('scalarAlu %s on constants', (op) => {
    fc.assert(fc.property(arbU64, arbU64, fc.boolean(), fc.integer({ min: 0, max: 70 }), (x, y, is64, sh) => {
      const yy = op === 'lsh' || op === 'rsh' || op === 'arsh' ? BigInt(sh) : y;
      const a = scalarConst(x);
      const b = scalarConst(yy);
      expect(scalarAlu(op as AluOpName, is64, a, op === 'neg' ? a : b)).toEqual(scalarAluKernel(op as AluOpName, is64, a, op === 'neg' ? a : b));
    }), { numRuns: 300 });
  });
  it('boundsSync on constants (consistent or not), unknown and loosened states', () => {
    fc.assert(fc.property(arbSet, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), arbU64, (xs, k, c) => {
      const loose = makeScalar(loosen(abstractSet(xs), k), false);
      expect(boundsSync(loose)).toEqual(boundsSyncKernel(loose));
      const withConst = { ...loose, var_off: { value: c, mask: 0n } };
      expect(boundsSync(withConst)).toEqual(boundsSyncKernel(withConst));
      const single = makeScalar(abstractSet([c]), false);
      expect(boundsSync(single)).toEqual(boundsSyncKernel(single));
    }), { numRuns: 1000 });
    expect(boundsSync(SCALAR_UNKNOWN)).toEqual(boundsSyncKernel(SCALAR_UNKNOWN));
  });
});
