/**
 * Kernel differential, verifier sweeps (`npm run fuzz`): every ctx access
 * (offset × size × load/store, ten program types) and every helper id per
 * program type, and every opcode byte (live and dead), loaded by the kernel and by bpfsim's verifier. Deterministic.
 * Fails on accept/reject disagreements (messages reported, and fail only with
 * FUZZ_STRICT_MESSAGES=1).
 */
import { describe, expect, it } from 'vitest';
import { koracleAvailable } from '../support/koracle.js';
import { ctxSweep, helperSweep, opcodeSweep } from './support/verdict-diff.js';

describe.skipIf(!koracleAvailable())('kernel differential: verifier sweeps', () => {
  it('ctx accesses: same verdicts as the kernel', () => {
    const t = ctxSweep();
    console.log(t.summary());
    const verdictOnly = [...t.disagree.keys()].filter((k) => !k.includes(': message:'));
    expect(verdictOnly, t.summary()).toEqual([]);
    if (process.env.FUZZ_STRICT_MESSAGES === '1') expect(t.disagreements, t.summary()).toBe(0);
  });
  it('every opcode byte, live and in dead code: same verdicts as the kernel', () => {
    const t = opcodeSweep();
    console.log(t.summary());
    const verdictOnly = [...t.disagree.keys()].filter((k) => !k.includes(': message:'));
    expect(verdictOnly, t.summary()).toEqual([]);
    if (process.env.FUZZ_STRICT_MESSAGES === '1') expect(t.disagreements, t.summary()).toBe(0);
  });
  it('helper availability per program type: same verdicts as the kernel', () => {
    const t = helperSweep();
    console.log(t.summary());
    const verdictOnly = [...t.disagree.keys()].filter((k) => !k.includes(': message:'));
    expect(verdictOnly, t.summary()).toEqual([]);
    if (process.env.FUZZ_STRICT_MESSAGES === '1') expect(t.disagreements, t.summary()).toBe(0);
  });
});
