/**
 * `npm start` runs the built classify function (as its container does). A fresh checkout has no
 * build yet, and an edited one may have an old one: this brings functions/classify/build up to date,
 * the same way `npm run build` does (shared code vendored, then tsc), and only when needed.
 */
import { spawn } from 'node:child_process';
import { stat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { functionDir, repoRoot } from './paths.js';

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(full));
    else if (entry.isFile()) newest = Math.max(newest, (await stat(full)).mtimeMs);
  }
  return newest;
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (e) => resolve({ code: 127, output: `${output}${e.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

export class BuildError extends Error {
  override readonly name = 'BuildError';
}

/** Returns what was done ('up to date', 'built'), or throws BuildError with the compiler's output. */
export async function ensureFunctionBuilt(name: string, onProgress: (what: string) => void): Promise<'up to date' | 'built'> {
  const dir = functionDir(name);
  const vendor = path.join(repoRoot, 'scripts/vendor-core.mjs');
  const check = await run(process.execPath, [vendor, '--check'], repoRoot);
  if (check.code !== 0) {
    onProgress('copying the shared code into the functions (scripts/vendor-core.mjs)');
    const copied = await run(process.execPath, [vendor], repoRoot);
    if (copied.code !== 0) throw new BuildError(`scripts/vendor-core.mjs failed:\n${copied.output}`);
  }
  const entry = path.join(dir, 'build/index.js');
  const built = await stat(entry).then((s) => s.mtimeMs, () => 0);
  const sources = Math.max(
    await newestMtime(path.join(dir, 'src')),
    ...(await Promise.all(['tsconfig.json', 'package.json'].map((f) => stat(path.join(dir, f)).then((s) => s.mtimeMs, () => 0)))),
  );
  if (built > sources) return 'up to date';
  onProgress(built === 0 ? `building ${name} (first run)` : `rebuilding ${name} (sources changed)`);
  const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
  const compiled = await run(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], repoRoot);
  if (compiled.code !== 0) throw new BuildError(`building functions/${name} failed (tsc -p functions/${name}/tsconfig.json):\n${compiled.output}`);
  return 'built';
}
