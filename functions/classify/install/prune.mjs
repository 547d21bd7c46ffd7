#!/usr/bin/env node
// @ts-check
// Install step (package.json `postinstall`, so s2i's `npm install` and pack's `npm ci` both run it):
// removes from this function's own node_modules what the image's platform never loads — the other
// platforms' ONNX Runtime binaries, TF.js browser/bundler builds, source maps (rules: prune-plan.mjs).
// Plain JavaScript with no dependencies: it runs before `npm run build` and in `npm ci --omit=dev`.
//
// Safe by construction: only `<this function>/node_modules`, and only when this directory is the install
// being run (in the repository's npm workspace the install is the root's, and nothing is pruned); a rule
// leaves a package whole when its layout is not the one it was written for; the target platform is the
// one npm installs for (`--os`/`--cpu`, else this machine's); every pruned package must still resolve
// afterwards or the install fails. Idempotent. BUCKET_ML_PRUNE=off skips it; --dry-run lists only.
import { readFileSync, readdirSync, realpathSync, rmSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSourceMap, packageRules } from './prune-plan.mjs';

const functionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nodeModules = path.join(functionDir, 'node_modules');
const dryRun = process.argv.includes('--dry-run');
const say = (/** @type {string} */ text) => console.log(`prune: ${text}`);

/** Files under dir, relative and '/'-separated; nested node_modules are other packages. */
function filesUnder(/** @type {string} */ dir, prefix = '') {
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...filesUnder(dir, rel));
    } else out.push(rel);
  }
  return out;
}

/** Top-level package directories of an install: name → absolute path. */
function packagesIn(/** @type {string} */ root) {
  /** @type {Map<string, string>} */
  const out = new Map();
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const names = entry.name.startsWith('@') ? readdirSync(path.join(root, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name];
    for (const name of names) if (existsSync(path.join(root, name, 'package.json'))) out.set(name, path.join(root, name));
  }
  return out;
}

function skipReason() {
  if (/^(off|0|false|no)$/i.test(process.env.BUCKET_ML_PRUNE ?? '')) return 'BUCKET_ML_PRUNE is off';
  if (!existsSync(nodeModules)) return `no ${nodeModules}`;
  // npm runs install scripts with the prefix of the install it is doing: when that is another one (the
  // repository's workspace root), it owns its node_modules and nothing is pruned. Run by hand, it prunes.
  const prefix = process.env.npm_config_local_prefix;
  const installing = /^(pre|post)?install$/.test(process.env.npm_lifecycle_event ?? '');
  if (installing && prefix && realpathSync(prefix) !== realpathSync(functionDir)) return `part of the install at ${prefix}`;
  return undefined;
}

const skip = skipReason();
if (skip) {
  say(`nothing to do (${skip})`);
  process.exit(0);
}

const target = { platform: process.env.npm_config_os || process.platform, arch: process.env.npm_config_cpu || process.arch };
/** @type {Map<string, { files: number, bytes: number }>} */
const removed = new Map();
/** @type {string[]} */
const pruned = [];
const count = (/** @type {string} */ why, /** @type {string} */ file) => {
  const entry = removed.get(why) ?? { files: 0, bytes: 0 };
  entry.files++;
  entry.bytes += statSync(file).size;
  removed.set(why, entry);
  if (!dryRun) rmSync(file);
};

for (const [name, dir] of packagesIn(nodeModules)) {
  const files = filesUnder(dir);
  const rule = packageRules[name];
  /** @type {Set<string>} */
  let gone = new Set();
  if (rule) {
    const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const decision = rule.decide({ json, files, read: (f) => readFileSync(path.join(dir, f), 'utf8') }, target);
    if ('skip' in decision) say(`${name} left whole: ${decision.skip}`);
    else {
      gone = new Set(decision.remove);
      for (const f of gone) count(rule.why, path.join(dir, f));
      pruned.push(name);
    }
  }
  for (const f of files) if (!gone.has(f) && isSourceMap(f)) count('source maps', path.join(dir, f));
  if (!dryRun && gone.size > 0) removeEmptyDirs(dir);
}

/** Directories the removals emptied (bin/napi-v6/darwin/…), deepest first. */
function removeEmptyDirs(/** @type {string} */ dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'node_modules') continue;
    const sub = path.join(dir, entry.name);
    removeEmptyDirs(sub);
    if (readdirSync(sub).length === 0) rmSync(sub, { recursive: true });
  }
}

// What was pruned must still load from this directory as Node resolves it (its entry file exists).
const require = createRequire(path.join(functionDir, 'package.json'));
for (const name of pruned) {
  const entry = require.resolve(name);
  if (!existsSync(entry)) throw new Error(`prune: ${name} no longer resolves (${entry})`);
}

const mb = (/** @type {number} */ bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const total = [...removed.values()].reduce((n, r) => n + r.bytes, 0);
const parts = [...removed].map(([why, r]) => `${why} ${mb(r.bytes)} (${r.files} files)`).join(', ');
say(`${dryRun ? 'would remove' : 'removed'} ${mb(total)} for ${target.platform}/${target.arch}${parts ? `: ${parts}` : ''}`);
