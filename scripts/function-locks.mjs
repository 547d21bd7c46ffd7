#!/usr/bin/env node
// kn func builds a function directory on its own; with a package-lock.json there, s2i and pack install
// exactly the versions the tests ran with (`npm ci`) instead of whatever the semver ranges resolve to
// on build day. npm workspaces use only the root lock, so each function's own lock is generated here,
// from its package.json alone, with every direct dependency at the version the root lock resolved.
// Run it after changing a function's dependencies; test/standalone-build.test.ts installs each function
// with `npm ci`, which fails when a lock no longer matches its package.json.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const functions = (await readdir(path.join(root, 'functions'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
const rootLock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8'));

for (const fn of functions) {
  const dir = path.join(root, 'functions', fn);
  const scratch = await mkdtemp(path.join(tmpdir(), `lock-${fn}-`));
  try {
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    // Pin every direct dependency to the version the root lock resolved, so both locks agree.
    for (const field of ['dependencies', 'devDependencies']) {
      for (const name of Object.keys(pkg[field] ?? {})) {
        const resolved = rootLock.packages[`node_modules/${name}`]?.version;
        if (resolved) pkg[field][name] = resolved;
      }
    }
    await writeFile(path.join(scratch, 'package.json'), JSON.stringify(pkg, null, 2));
    await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: scratch, maxBuffer: 1 << 26 });
    const lock = JSON.parse(await readFile(path.join(scratch, 'package-lock.json'), 'utf8'));
    // The lock describes the real package.json (ranges), not the pinned copy used to resolve it.
    const original = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    for (const field of ['dependencies', 'devDependencies']) if (original[field]) lock.packages[''][field] = original[field];
    const text = JSON.stringify(lock, null, 2) + '\n';
    const target = path.join(dir, 'package-lock.json');
    await writeFile(target, text);
    console.log(`functions/${fn}/package-lock.json: ${Object.keys(lock.packages).length - 1} packages`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
