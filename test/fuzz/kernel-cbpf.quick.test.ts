/**
 * Quick kernel differential, classic BPF and seccomp (fixed seeds, a few
 * seconds; for the default suite): seccomp_check_filter and bpf_check_classic
 * verdicts on random filters, seccomp-eval values of random valid filters,
 * and the default profile's compiled filters on every syscall number.
 */
import { describe, expect, it } from 'vitest';
import { defaultProfile } from '../../src/index.js';
import { koracleAvailable } from '../support/koracle.js';
import { classicCheckDifferential, seccompCheckDifferential, seccompEvalDifferential, sockOracleAvailable } from './support/cbpf-diff.js';
import { profileDifferential, profileToPolicy } from './support/profile-diff.js';
import { Rand } from './support/rng.js';

describe.skipIf(!koracleAvailable())('kernel differential (quick): seccomp', () => {
  it('seccomp_check_filter verdicts', () => {
    const t = seccompCheckDifferential(0x0dd5eed2, 600);
    expect(t.disagreements, t.summary()).toBe(0);
  });
  it('seccomp-eval values of random valid filters', () => {
    const { verdict, value } = seccompEvalDifferential(0x0dd5eed3, 150);
    expect(value.agree).toBeGreaterThan(1000);
    expect(verdict.disagreements + value.disagreements, verdict.summary() + '\n' + value.summary()).toBe(0);
  });
  it('default profile: kernel-evaluated linear/tree filters vs every bpfsim form', () => {
    const t = profileDifferential('default profile', profileToPolicy(defaultProfile()), Rand.seeded(0x0dd5eed4));
    expect(t.agree).toBeGreaterThan(1000);
    expect(t.disagreements, t.summary()).toBe(0);
  });
});

describe.skipIf(!sockOracleAvailable())('kernel differential (quick): socket filters', () => {
  it('bpf_check_classic verdicts (SO_ATTACH_FILTER)', () => {
    const t = classicCheckDifferential(0x0dd5eed5, 600);
    expect(t.disagreements, t.summary()).toBe(0);
  });
});
