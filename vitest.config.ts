import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'functions/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/build/**'],
    // one real Ceph RGW for the whole run, shared by all test files via inject('rgw')
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // files run in parallel, but the machine has 2 cores and RGW needs some of them
    maxWorkers: 2,
  },
});
