import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Crash trials and stdio tests spawn child processes; two workers match this 2-core machine.
    maxWorkers: 2,
  },
});
