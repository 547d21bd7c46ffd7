import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { releasesForTests } from './test/rgw/launcher.ts';

const TEST_ROOTS = ['packages', 'functions', 'test'];
const include = ['packages/*/test/**/*.test.ts', 'functions/*/test/**/*.test.ts', 'test/**/*.test.ts'];
const exclude = ['**/node_modules/**', '**/build/**'];

/** Test files that use the run's RGW: the ones importing test/support/rgw-clients.ts (its rgwAccess()). */
function rgwTestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'build' ? [] : rgwTestFiles(path);
    return e.name.endsWith('.test.ts') && /support\/rgw-clients\.ts['"]/.test(readFileSync(path, 'utf8')) ? [path] : [];
  });
}

// One project per Ceph release (test/rgw/launcher.ts), each with its own real RGW (test/global-setup.ts,
// handed to the files by inject('rgw')). The first release runs every test file; the others run only
// the files that use the RGW, so pure unit tests run once.
const [first, ...others] = releasesForTests();
const rgwFiles = TEST_ROOTS.flatMap(rgwTestFiles);

export default defineConfig({
  test: {
    exclude,
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // files run in parallel, but the machine has 2 cores and each RGW needs some of them
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: `rgw-${first}`, include, globalSetup: ['./test/global-setup.ts'] } },
      ...others.map((release) => ({ extends: true as const, test: { name: `rgw-${release}`, include: rgwFiles, globalSetup: ['./test/global-setup.ts'] } })),
    ],
  },
});
