// kn func builds one function directory on its own (s2i: npm install, npm run build, npm start; pack
// likewise). This proves each directory is self-sufficient: copied alone, outside the workspace, it
// installs, compiles, loads and starts with `npm start`'s command, with the shared code it vendors.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { npmStartArguments } from '../packages/local/src/run/npm-start.ts';
import { startServer } from './support/function-process.ts';
import { repoRoot } from './support/paths.ts';
import { builderEnv, copyFunction, run } from './support/standalone.ts';

const functions = (await readdir(path.join(repoRoot, 'functions'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
const scratch = await mkdtemp(path.join(tmpdir(), 'bucket-ml-standalone-'));

describe('each function directory builds on its own, as kn func does', () => {
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('finds the three functions', () => {
    expect(functions.sort()).toEqual(['classify', 'configure-notify', 'score']);
  });

  for (const fn of functions) {
    it(`${fn}: npm ci && npm run build in a lone copy, then its module loads with handle/init and npm start's command starts it`, { timeout: 300_000 }, async () => {
      const dir = path.join(scratch, fn);
      await copyFunction(fn, dir);
      const env = builderEnv();
      // npm ci: the function's own lock (scripts/function-locks.mjs) must match its package.json.
      await run('npm', ['ci', '--prefer-offline'], { cwd: dir, env, maxBuffer: 1 << 24 });
      if (fn === 'classify') {
        // its postinstall pruned the install (install/prune.mjs) before it compiles: tsc still finds every type
        expect(await readdir(path.join(dir, 'node_modules/onnxruntime-node/bin/napi-v6'))).toEqual([process.platform]);
      }
      await run('npm', ['run', 'build'], { cwd: dir, env, maxBuffer: 1 << 24 });
      expect((await stat(path.join(dir, 'build/index.js'))).isFile()).toBe(true);
      // Importing must not start anything: faas-js-runtime calls init() itself.
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('./build/index.js'); console.log(JSON.stringify(Object.keys(m).sort()))"], { cwd: dir, env });
      const exported = JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[];
      expect(exported).toEqual(expect.arrayContaining(['handle', 'init', 'liveness', 'readiness', 'shutdown']));

      // `npm start`'s command runs from the lone copy: the entry loads the module with the copy's own
      // faas-js-runtime, whose start() runs init(); with no configuration, init refuses and it exits 1.
      const started = await run(process.execPath, npmStartArguments(dir), { cwd: dir, env: { PATH: process.env.PATH ?? '', FUNC_PORT: '0' } }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(started.code).toBe(1);
      expect(started.stderr).toMatch(/⛔ ConfigError: invalid configuration/);
      if (fn === 'configure-notify') {
        // Configured, it serves: any path reaches handle (only the entry routes more than `/`).
        const server = await startServer(fn, dir, npmStartArguments(dir), {
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
          AWS_REGION: 'default',
          AWS_ACCESS_KEY_ID: 'standalone',
          AWS_SECRET_ACCESS_KEY: 'standalone',
          CONFIGURE_NOTIFY_TOKEN: 'standalone-token-0123456789',
        });
        try {
          const res = await fetch(`${server.url}/any/path`, { headers: { authorization: 'Bearer standalone-token-0123456789' } });
          expect(res.status).toBe(200);
          expect(await res.json()).toMatchObject({ function: 'configure-notify' });
        } finally {
          await server.stop();
        }
      }
    });
  }
});
