/**
 * Kernel differential, map helpers (`npm run fuzz`): random lookup / update /
 * delete sequences on an array and a hash map, run by the kernel and by
 * bpfsim; r0 and the final map contents must agree. FUZZ_SEED / FUZZ_COUNT
 * (default 1500).
 */
import { describe, expect, it } from 'vitest';
import { koracleAvailable } from '../support/koracle.js';
import { mapsExecDifferential } from './support/maps-exec-diff.js';
import { baseSeed, caseCount } from './support/rng.js';

describe.skipIf(!koracleAvailable())('kernel differential: map helpers', () => {
  it('r0 and map contents agree with the kernel', () => {
    const t = mapsExecDifferential(baseSeed(0x5eed0008), caseCount(1500));
    console.log(t.summary());
    expect(t.agree).toBeGreaterThan(0);
    expect(t.disagreements, t.summary()).toBe(0);
  });
});
