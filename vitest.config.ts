import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { releasesForTests } from './test/rgw/launcher.ts';

// What every project runs with. Projects do not `extends: true` the root: that would also repeat the
// root's globalSetup, one RGW per project instead of one per run.
const common = {
  exclude: ['**/node_modules/**', '**/build/**'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
};

/** Test files that use the run's RGW: the ones importing test/support/rgw-clients.ts (its rgwAccess()). */
function rgwTestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'build' ? [] : rgwTestFiles(path);
    return e.name.endsWith('.test.ts') && /support\/rgw-clients\.ts['"]/.test(readFileSync(path, 'utf8')) ? [path] : [];
  });
}

// Ceph releases (test/rgw/launcher.ts): the first one's RGW is the root globalSetup's, shared by the three
// projects below; every further release gets a project `rgw-<release>` with an RGW of its own that runs
// the files using the RGW again (unit tests run once).
const [, ...otherReleases] = releasesForTests();
const rgwFiles = ['packages', 'functions', 'test'].flatMap(rgwTestFiles);

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
      ...otherReleases.map((release) => ({ test: { ...common, name: `rgw-${release}`, include: rgwFiles, globalSetup: ['./test/global-setup.ts'] } })),
    ],
    // one real Ceph RGW of the first release for the whole run, shared by the projects above via inject('rgw')
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // files run in parallel, but the machine has 2 cores and each RGW needs some of them
    maxWorkers: 2,
  },
});
