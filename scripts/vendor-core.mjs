#!/usr/bin/env node
// kn func builds one function directory on its own (s2i and pack copy only that directory), so the
// code the functions share cannot be imported from ../../packages at build time. It lives once in
// packages/core/src and is copied into functions/<fn>/src/vendor/core by this script (run by
// `npm run build`). `--check` fails when a copy has drifted, so CI catches a forgotten sync.
import { readdir, readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'packages/core/src');
const banner = '// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.\n';
const check = process.argv.includes('--check');

async function listTs(dir, base = dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listTs(full, base)));
    else if (entry.name.endsWith('.ts')) out.push(path.relative(base, full));
  }
  return out.sort();
}

const files = await listTs(source);
const functionsDir = path.join(root, 'functions');
const targets = (await readdir(functionsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
const drifted = [];
for (const fn of targets) {
  const dest = path.join(functionsDir, fn, 'src/vendor/core');
  const existing = await listTs(dest).catch(() => []);
  if (check) {
    if (existing.join() !== files.join()) drifted.push(`${fn}: file list differs`);
    for (const rel of files) {
      const want = banner + (await readFile(path.join(source, rel), 'utf8'));
      const have = await readFile(path.join(dest, rel), 'utf8').catch(() => '');
      if (want !== have) drifted.push(`${fn}: ${rel}`);
    }
    continue;
  }
  await rm(dest, { recursive: true, force: true });
  for (const rel of files) {
    await mkdir(path.dirname(path.join(dest, rel)), { recursive: true });
    await writeFile(path.join(dest, rel), banner + (await readFile(path.join(source, rel), 'utf8')));
  }
}
if (drifted.length) {
  console.error(`vendored core is out of date (run: npm run build):\n  ${drifted.join('\n  ')}`);
  process.exit(1);
}
if (!check) console.log(`vendored ${files.length} core files into ${targets.length} functions`);
