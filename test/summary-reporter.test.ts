// The closing line test/support/summary-reporter.ts prints is what CI reads: it must count a file whose
// beforeAll threw (vitest then reports its tests skipped) as a failure, and hand its counts to .ci/run.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from './support/command.ts';
import { repoRoot } from './support/paths.ts';

// Inside the repository so the files resolve `vitest`; a dot-folder no project includes.
const dir = await mkdtemp(path.join(repoRoot, '.summary-reporter-'));

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the summary reporter', () => {
  it('prints `N passed, N failed, N skipped` last, counting a failed beforeAll, and appends the counts for .ci/run', async () => {
    await writeFile(path.join(dir, 'passing.check.ts'), "import { it } from 'vitest';\nit('passes', () => {});\nit.skip('is skipped', () => {});\n");
    await writeFile(path.join(dir, 'failing.check.ts'), "import { expect, it } from 'vitest';\nit('fails', () => expect(1).toBe(2));\n");
    await writeFile(path.join(dir, 'hook.check.ts'), "import { beforeAll, it } from 'vitest';\nbeforeAll(() => { throw new Error('no RGW'); });\nit('never runs', () => {});\n");
    const reporter = path.join(repoRoot, 'test/support/summary-reporter.ts');
    await writeFile(path.join(dir, 'vitest.config.ts'), `export default { test: { include: ['*.check.ts'], reporters: [${JSON.stringify(reporter)}] } };\n`);
    const counts = path.join(dir, 'counts.jsonl');
    const vitest = path.join(repoRoot, 'node_modules/vitest/vitest.mjs');
    const out = await runCommand(process.execPath, [vitest, 'run', '--root', dir], { cwd: dir, env: { ...process.env, BUCKET_ML_TEST_COUNTS: counts } });
    expect(out.code).toBe(1);
    expect(out.stdout.trimEnd().split('\n').at(-1)).toBe('1 passed, 2 failed, 2 skipped');
    expect(JSON.parse(await readFile(counts, 'utf8'))).toEqual({ node: process.version, passed: 1, failed: 2, skipped: 2 });
  });
});
