/**
 * Global test setup: fast-check runs are deterministic by default (fixed
 * seed, overridable with FC_SEED=<n> or FC_SEED=random), and a failing run
 * prints its seed and path so that it can be replayed.
 */
import fc from 'fast-check';

const env = process.env.FC_SEED;
if (env !== 'random') {
  fc.configureGlobal({ seed: env !== undefined ? Number(env) : 0x5eed_b9f });
}
