#!/usr/bin/env node
// Runs a command on another Node release than the machine's. Clusters build the functions on Node 22
// or 24 (OpenShift's and Paketo's Node builders); this machine's node stays the default for everything
// else. The binaries come from the npm registry, whose node-<os>-<arch> packages ship the official
// builds: it is the one download host CI reaches.
//
//   node scripts/node-runtime.mjs 24                 install once, print the binary's path
//   node scripts/node-runtime.mjs 24 -- CMD ARGS…    run CMD with that node first on PATH, so CMD and
//                                                    every process it starts as `node` (npm, vitest,
//                                                    and through process.execPath the functions) use it
//
// Each exact version is cached in $BUCKET_ML_NODE_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/bucket-ml/node):
// once there, it starts without touching the network. Installing runs no package script: `npm pack`
// fetches the tarball (npm checks its integrity against the registry's) and tar extracts bin/node.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The release each major means: pinned, so a CI run is repeatable; raise them deliberately. */
export const pinnedReleases = { 22: '22.23.5', 24: '24.22.3' };

/** `24` → its pinned release; `24.22.1` → itself. */
export function releaseFor(spec) {
  if (/^\d+\.\d+\.\d+$/.test(spec)) return spec;
  const pinned = pinnedReleases[spec];
  if (pinned) return pinned;
  throw new Error(`no pinned release for Node "${spec}": use ${Object.keys(pinnedReleases).join(' or ')}, or a full version such as ${pinnedReleases[24]}`);
}

/** The registry package that ships Node's binary for this machine. */
export function packageFor(platform = process.platform, arch = process.arch) {
  if (!['linux', 'darwin'].includes(platform)) throw new Error(`no node-${platform}-${arch} binary package is used here; run on Linux or macOS`);
  return `node-${platform}-${arch}`;
}

export function cacheDir(env = process.env) {
  if (env.BUCKET_ML_NODE_CACHE) return env.BUCKET_ML_NODE_CACHE;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'bucket-ml', 'node');
}

const versionOf = (node) => execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', env: {} }).trim();

/** Path of Node `version`'s binary, installed into the cache unless it is there already. */
export async function installNode(version, { cache = cacheDir(), log = (line) => process.stderr.write(`[node-runtime] ${line}\n`) } = {}) {
  const home = path.join(cache, version);
  const node = path.join(home, 'bin', 'node');
  if (existsSync(node) && versionOf(node) === version) return node;

  await mkdir(cache, { recursive: true });
  const scratch = await mkdtemp(path.join(cache, `.${version}-`));
  try {
    const spec = `${packageFor()}@${version}`;
    const t0 = performance.now();
    log(`installing Node ${version} from the npm registry (${spec}) into ${home}`);
    let packed;
    try {
      packed = execFileSync('npm', ['pack', spec, '--json', '--ignore-scripts', '--prefer-offline', '--pack-destination', scratch], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    } catch {
      throw new Error(`could not fetch ${spec} from the npm registry (npm's message above)`);
    }
    const tarball = path.join(scratch, JSON.parse(packed)[0].filename);
    execFileSync('tar', ['-xzf', tarball, '-C', scratch, 'package/bin/node', 'package/LICENSE']);
    const got = versionOf(path.join(scratch, 'package/bin/node'));
    if (got !== version) throw new Error(`${spec} holds Node ${got}, not ${version}`);
    await rm(tarball);
    // Installs racing for the same version: the first rename wins, the others find it in place.
    await rename(path.join(scratch, 'package'), home).catch((err) => {
      if (!existsSync(node)) throw err;
    });
    log(`Node ${version} installed in ${Math.round(performance.now() - t0)} ms`);
    return node;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `env` with `node`'s directory first on PATH. */
export function envWith(node, env = process.env) {
  return { ...env, PATH: [path.dirname(node), env.PATH].filter(Boolean).join(path.delimiter) };
}

async function main(argv) {
  const dashes = argv.indexOf('--');
  const [spec, ...extra] = dashes === -1 ? argv : argv.slice(0, dashes);
  const command = dashes === -1 ? [] : argv.slice(dashes + 1);
  if (!spec || extra.length || (dashes !== -1 && !command.length)) {
    process.stderr.write('usage: node scripts/node-runtime.mjs <22|24|x.y.z> [-- command args…]\n');
    return 2;
  }
  const node = await installNode(releaseFor(spec));
  if (!command.length) {
    process.stdout.write(`${node}\n`);
    return 0;
  }
  const env = envWith(node);
  // What the command will find as `node`, checked rather than assumed.
  const found = execFileSync('sh', ['-c', 'command -v node'], { encoding: 'utf8', env }).trim();
  if (found !== node) throw new Error(`PATH resolves node to ${found}, not ${node}`);
  process.stderr.write(`[node-runtime] running on Node ${versionOf(node)} (${node}): ${command.join(' ')}\n`);
  const { status, signal, error } = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env });
  if (error) throw error;
  return status ?? 128 + (os.constants.signals[signal] ?? 0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`[node-runtime] ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
