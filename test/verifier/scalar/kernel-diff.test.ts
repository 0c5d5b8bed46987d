/**
 * Kernel-differential test of the scalar domain: random straight-line programs
 * over unknown scalars are verified by the running kernel (koracle, log level
 * 2); every register state the kernel prints must equal formatScalar of the
 * model's state (see kdiff.ts). Skips where the oracle is unavailable.
 * Larger runs: test/fuzz/scalar-kernel-diff.test.ts (`npm run fuzz`).
 */
import { describe, expect, it } from 'vitest';
import { koracleAvailable } from '../../support/koracle.js';
import { runKernelDiff } from './kdiff.js';

describe.skipIf(!koracleAvailable())('scalar domain vs the running kernel', () => {
  it('agrees on every printed register state (200 random programs)', () => {
    const { compared, mismatches, cases } = runKernelDiff(200, 0x5ca1a, 10);
    const rate = compared === 0 ? 0 : (compared - mismatches.length) / compared;
    console.log(`kernel-diff: ${cases} programs, ${compared} register states compared, agreement ${(rate * 100).toFixed(2)}%`);
    for (const m of mismatches.slice(0, 10)) console.log(JSON.stringify(m));
    expect(compared).toBeGreaterThan(500);
    expect(mismatches).toEqual([]);
  });
});
