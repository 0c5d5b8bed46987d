/**
 * Kernel differential, seccomp profiles (`npm run fuzz`): the embedded default
 * profile and random Docker-style profiles, compiled to classic linear / tree
 * filters, evaluated by the kernel (x86_64 and i386 calls) and by bpfsim's
 * linear, tree, array and model evaluators. FUZZ_SEED / FUZZ_COUNT (random
 * profiles, default 40).
 */
import { describe, expect, it } from 'vitest';
import { defaultProfile } from '../../src/index.js';
import { koracleAvailable } from '../support/koracle.js';
import { profileDifferential, profileToPolicy, randomProfile } from './support/profile-diff.js';
import { Rand, Tally, baseSeed, caseCount } from './support/rng.js';

describe.skipIf(!koracleAvailable())('kernel differential: seccomp profiles', () => {
  it('the default profile: every syscall number and argument edge', () => {
    const t = profileDifferential('default profile', profileToPolicy(defaultProfile()), Rand.seeded(baseSeed(0x5eed0006)));
    console.log(t.summary());
    expect(t.agree).toBeGreaterThan(1000);
    expect(t.disagreements, t.summary()).toBe(0);
  });
  it('random profiles', () => {
    const r = Rand.seeded(baseSeed(0x5eed0007));
    const t = new Tally('seccomp profile (random profiles)');
    for (let i = caseCount(40); i > 0; i--) {
      const prof = randomProfile(r);
      profileDifferential('random', profileToPolicy(prof), r, t);
    }
    console.log(t.summary());
    expect(t.disagreements, t.summary()).toBe(0);
  });
});
