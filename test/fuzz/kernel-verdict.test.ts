/**
 * Kernel differential, verifier verdicts (`npm run fuzz`): mostly-valid
 * mutated programs (flat map value, socket_filter ctx, map lookups, xdp
 * packets) loaded by the kernel and by bpfsim's verifier.
 * FUZZ_SEED / FUZZ_COUNT (default 4000) / FUZZ_MINIMIZE=1.
 * Fails on any accept/reject disagreement; message differences are reported
 * (and fail only with FUZZ_STRICT_MESSAGES=1).
 */
import { describe, expect, it } from 'vitest';
import { koracleAvailable } from '../support/koracle.js';
import { baseSeed, caseCount } from './support/rng.js';
import { verdictDifferential } from './support/verdict-diff.js';

describe.skipIf(!koracleAvailable())('kernel differential: verifier verdicts', () => {
  it('accept/reject agrees with the kernel', () => {
    const { verdict, message } = verdictDifferential(baseSeed(0x5eed0002), caseCount(4000), process.env.FUZZ_MINIMIZE === '1');
    console.log(verdict.summary());
    console.log(message.summary());
    expect(verdict.disagreements, verdict.summary()).toBe(0);
    if (process.env.FUZZ_STRICT_MESSAGES === '1') expect(message.disagreements, message.summary()).toBe(0);
  });
});
