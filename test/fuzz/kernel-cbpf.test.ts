/**
 * Kernel differential, classic BPF (`npm run fuzz`): seccomp_check_filter
 * verdicts (koracle seccomp-check), bpf_check_classic verdicts
 * (SO_ATTACH_FILTER through test/cbpf/sockfilter_oracle.py) and seccomp
 * evaluation (koracle seccomp-eval, x86_64) against bpfsim's cbpf module.
 * FUZZ_SEED / FUZZ_COUNT (default 3000) / FUZZ_MINIMIZE=1.
 */
import { describe, expect, it } from 'vitest';
import { koracleAvailable } from '../support/koracle.js';
import { classicCheckDifferential, seccompCheckDifferential, seccompEvalDifferential, sockOracleAvailable } from './support/cbpf-diff.js';
import { baseSeed, caseCount } from './support/rng.js';

const N = caseCount(3000);
const MIN = process.env.FUZZ_MINIMIZE === '1';

describe.skipIf(!koracleAvailable())('kernel differential: seccomp filters', () => {
  it('seccomp_check_filter verdicts agree', () => {
    const t = seccompCheckDifferential(baseSeed(0x5eed0003), N, MIN);
    console.log(t.summary());
    expect(t.disagreements, t.summary()).toBe(0);
  });
  it('seccomp-eval values agree on valid random filters', () => {
    const { verdict, value } = seccompEvalDifferential(baseSeed(0x5eed0004), Math.ceil(N / 3));
    console.log(verdict.summary());
    console.log(value.summary());
    expect(value.agree).toBeGreaterThan(0);
    expect(verdict.disagreements + value.disagreements, verdict.summary() + '\n' + value.summary()).toBe(0);
  });
});

describe.skipIf(!sockOracleAvailable())('kernel differential: classic socket filters', () => {
  it('bpf_check_classic verdicts agree (SO_ATTACH_FILTER)', () => {
    const t = classicCheckDifferential(baseSeed(0x5eed0005), N, MIN);
    console.log(t.summary());
    expect(t.disagreements, t.summary()).toBe(0);
  });
});
