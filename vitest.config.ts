import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: PGlite instances and ML-DSA signing are CPU-heavy, keep parallelism modest.
    maxWorkers: 2,
  },
});
