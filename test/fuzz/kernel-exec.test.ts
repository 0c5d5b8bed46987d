/**
 * Kernel differential, eBPF execution (`npm run fuzz`): random programs over
 * the whole opcode table that the kernel accepts, run by the kernel
 * (koracle ebpf-run --flat map --r0-64) and by bpfsim (interpreter and JIT).
 * FUZZ_SEED / FUZZ_COUNT (default 3000) / FUZZ_MINIMIZE=1 (minimise the first
 * example of each disagreement category). Fails on any disagreement.
 */
import { describe, expect, it } from 'vitest';
import { koracleAvailable } from '../support/koracle.js';
import { execDifferential } from './support/exec-diff.js';
import { baseSeed, caseCount } from './support/rng.js';

describe.skipIf(!koracleAvailable())('kernel differential: eBPF execution', () => {
  it('r0 and memory agree with the kernel on kernel-accepted random programs', () => {
    const t = execDifferential(baseSeed(0x5eed0001), caseCount(3000), process.env.FUZZ_MINIMIZE === '1');
    console.log(t.summary());
    expect(t.agree, 'some programs must be accepted and run').toBeGreaterThan(0);
    expect(t.disagreements, t.summary()).toBe(0);
  });
});
