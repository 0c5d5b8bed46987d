/**
 * Long kernel-differential run of the scalar domain (npm run fuzz):
 * SCALAR_KDIFF_N programs (default 5000) of up to 16 instructions, seed
 * SCALAR_KDIFF_SEED. Prints the agreement rate and the first mismatches.
 */
import { describe, expect, it } from 'vitest';
import { koracleAvailable } from '../support/koracle.js';
import { runKernelDiff } from '../verifier/scalar/kdiff.js';

describe.skipIf(!koracleAvailable())('scalar domain vs the running kernel (long)', () => {
  it('agrees on every printed register state', () => {
    const n = Number(process.env.SCALAR_KDIFF_N ?? 5000);
    const seed = Number(process.env.SCALAR_KDIFF_SEED ?? Date.now() % 1_000_000);
    const { compared, mismatches, cases } = runKernelDiff(n, seed, 16);
    const rate = compared === 0 ? 0 : (compared - mismatches.length) / compared;
    console.log(`seed ${seed}: ${cases} programs, ${compared} register states, agreement ${(rate * 100).toFixed(3)}%`);
    for (const m of mismatches.slice(0, 20)) console.log(JSON.stringify(m));
    expect(mismatches).toEqual([]);
  }, 600_000);
});
