import { defineConfig } from 'vitest/config';

// What every project runs with. Projects do not `extends: true` the root: that would also repeat the
// root's globalSetup, one RGW per project instead of one per run.
const common = {
  exclude: ['**/node_modules/**', '**/build/**'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    // `npm test` runs them all; `--project NAME` picks (CI runs unit-integration again on Node 24).
    projects: [
      {
        // Everything but the two below: each package and function alone, in process and as its built
        // process (faas-js-runtime, CLIs, `npm start`) against the real RGW; the deploy files
        // (test/manifests); each function built alone as kn func does (test/standalone-build).
        test: { ...common, name: 'unit-integration', include: ['packages/*/test/**/*.test.ts', 'functions/*/test/**/*.test.ts', 'test/**/*.test.ts'], exclude: [...common.exclude, 'test/e2e/**', 'test/rgw/**'] },
      },
      // End to end across functions and RGW's notifications.
      { test: { ...common, name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      // The test launcher's Ceph clusters themselves.
      { test: { ...common, name: 'rgw', include: ['test/rgw/**/*.test.ts'] } },
    ],
    // one real Ceph RGW for the whole run, shared by all test files via inject('rgw')
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // files run in parallel, but the machine has 2 cores and RGW needs some of them
    maxWorkers: 2,
  },
});
