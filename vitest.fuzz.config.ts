import { defineConfig } from 'vitest/config';

/** Long fuzzing and soak runs (`npm run fuzz`): test/fuzz only, not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['test/support/setup.ts'],
  },
});
