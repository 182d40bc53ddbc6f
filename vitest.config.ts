import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    // A guard against a hang, not a speed target: tests that run dozens of real processes take minutes
    // on a busy 2-core machine (measured: 30 s was too short under load).
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
