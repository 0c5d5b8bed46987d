/**
 * Kernel differential, XDP execution (`npm run fuzz`): random bounds-checked
 * packet programs run by the kernel (test_run on the packet) and by bpfsim
 * (progType xdp); r0 and the packet afterwards must agree.
 * FUZZ_SEED / FUZZ_COUNT (default 2000).
 */
import { describe, expect, it } from 'vitest';
import { koracleAvailable } from '../support/koracle.js';
import { xdpExecDifferential } from './support/xdp-exec-diff.js';
import { baseSeed, caseCount } from './support/rng.js';

describe.skipIf(!koracleAvailable())('kernel differential: XDP execution', () => {
  it('r0 and the packet agree with the kernel', () => {
    const t = xdpExecDifferential(baseSeed(0x5eed0009), caseCount(2000));
    console.log(t.summary());
    expect(t.agree).toBeGreaterThan(0);
    expect(t.disagreements, t.summary()).toBe(0);
  });
});
