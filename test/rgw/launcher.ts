// Throwaway single-node Ceph RGW for tests, CI and developers, in either of two releases:
//   16.2 (Pacific): the host's Debian bookworm packages;
//   18.2 (Reef):    Debian trixie's packages in a cached chroot (chroot.ts), each ceph command in its own
//                   private mount namespace (proc, /dev/shm, /tmp and the state dir mounted there only), so
//                   the host sees no mounts, clusters sharing the chroot never see each other's, and the
//                   kernel drops every mount when the last daemon of a cluster exits.
// 1 mon (msgr2 only) + 1 memstore OSD + 1 radosgw (beast on 127.0.0.1), no cephx, no mgr, no systemd,
// all state in one fresh directory, ports picked free at run time (clusters may run side by side).
// Only node: modules, so it runs under vitest and under `node --experimental-strip-types`.
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { access, constants, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { CEPH_BINARIES, CEPH_PACKAGES, ensureCephChroot, type CephChroot } from './chroot.ts';

/** Ceph releases the launcher can start. */
export const RELEASES = ['16.2', '18.2'] as const;
export type Release = (typeof RELEASES)[number];

export interface Rgw {
  /** Ceph release, major.minor ("16.2", "18.2"); for an external RGW as BUCKET_ML_RGW_RELEASE says */
  release: string;
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** 'default'; any region name signs against this RGW */
  region: string;
  /** state directory (only for a cluster started here) */
  dir?: string;
  /** runs radosgw-admin against this cluster: command and leading arguments (only for a cluster started here) */
  adminCommand?: string[];
  /** false when an external RGW from BUCKET_ML_RGW_* is used (stop() then does nothing) */
  startedHere: boolean;
  bringUpMs?: number;
  stop(): Promise<void>;
  /** restart only radosgw (un-wedges persistent notification queues); only for a cluster started here */
  restartGateway?(): Promise<void>;
  /** kill only radosgw (S3 refuses connections until startGateway); only for a cluster started here */
  stopGateway?(): Promise<void>;
  /** start radosgw again after stopGateway, waiting until it serves S3 */
  startGateway?(): Promise<void>;
}

export interface StartOptions {
  /** default 16.2 (the host's packages) */
  release?: Release;
  /** state dir; wiped first. Default: a fresh mkdtemp under os.tmpdir() */
  dir?: string;
  /** S3 port of radosgw; default: a free one */
  port?: number;
  log?: (line: string) => void;
}

/** Ceph is not installed and could not be installed here: the environment lacks it (not a launcher bug). */
export class CephMissingError extends Error {
  override name = 'CephMissingError';
}

// binaries the launcher runs -> package that ships them on Debian
const BINARIES: Record<(typeof CEPH_BINARIES)[number], string> = {
  'ceph-mon': 'ceph-mon',
  'monmaptool': 'ceph-base (dependency of ceph-mon)',
  'ceph-osd': 'ceph-osd',
  'radosgw': 'radosgw',
  'radosgw-admin': 'ceph-common',
  'ceph': 'ceph-common',
  'ceph-authtool': 'ceph-common',
  'rados': 'ceph-common',
};
// stop order: gateway first, monitor last
const DAEMONS = [
  { name: 'client.rgw.a', exe: 'radosgw' },
  { name: 'osd.0', exe: 'ceph-osd' },
  { name: 'mon.a', exe: 'ceph-mon' },
] as const;
const ENV_HINT =
  'Install them with `apt-get install --no-install-recommends ' + CEPH_PACKAGES.join(' ') + '` (Debian/Ubuntu, as root), ' +
  'or point the tests at an existing RGW with BUCKET_ML_RGW_ENDPOINT, BUCKET_ML_RGW_ACCESS_KEY, BUCKET_ML_RGW_SECRET_KEY ' +
  '(optional BUCKET_ML_RGW_REGION).';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ process helpers

/** Runs a command (argument array, no shell) and returns its stdout; the error carries stderr. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 64 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message.split('\n')[0]}\n${String(stderr).trim().slice(-2000)}`));
      else resolve(String(stdout));
    });
  });
}

/** Starts a self-daemonizing ceph daemon: its stdout/stderr go to a log FILE (a pipe would be inherited by the
 *  forked daemon and keep us waiting), and we wait only for the launching parent to exit. */
async function daemonize(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  const fh = await open(logFile, 'a');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(cmd, args, { env, stdio: ['ignore', fh.fd, fh.fd] });
      child.on('error', reject);
      child.on('exit', (c) => resolve(c));
    });
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}`);
  } finally {
    await fh.close();
  }
}

/** Alive = exists and is not a zombie (daemons are re-parented to init, which may reap them late). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Only signal a pid that still is OUR daemon: right executable and our ceph.conf on its command line. */
function isOurs(pid: number, exe: string, conf: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return (argv[0] ?? '').endsWith(exe) && argv.includes(conf);
  } catch {
    return false;
  }
}

function readPid(dir: string, name: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'run', `${name}.pid`), 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGKILLs our daemons (found by pid file) and returns the pids that were signalled.
 *  Synchronous on purpose: also used from process 'exit'/signal handlers. */
function killDaemons(dir: string, conf: string, names: readonly string[] = DAEMONS.map((d) => d.name)): number[] {
  const killed: number[] = [];
  for (const d of DAEMONS) {
    if (!names.includes(d.name)) continue;
    const pid = readPid(dir, d.name);
    if (pid === undefined || !alive(pid) || !isOurs(pid, d.exe, conf)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      /* already gone */
    }
  }
  return killed;
}

async function waitGone(pids: number[], timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (pids.some(alive)) {
    if (Date.now() > until) throw new Error(`ceph daemons still alive after SIGKILL: ${pids.filter(alive).join(' ')}`);
    await sleep(20);
  }
}

// ------------------------------------------------------------------ emergency cleanup
// Clusters started by this process; killed synchronously if the process exits or is interrupted
// before stop() ran (e.g. Ctrl-C during a test run), so no daemon outlives its test run.
const live = new Map<string, string>(); // state dir -> ceph.conf path as the daemons see it
let handlersInstalled = false;

function emergencyStop(): void {
  for (const [dir, conf] of live) {
    const pids = killDaemons(dir, conf);
    const until = Date.now() + 2000;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (pids.some(alive) && Date.now() < until) Atomics.wait(pause, 0, 0, 20); // sync sleep
    rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', emergencyStop);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      emergencyStop();
      // If nobody else handles this signal, restore the default behaviour (terminate) by re-raising it.
      if (process.listenerCount(sig) === 1) {
        process.off(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

// ------------------------------------------------------------------ where ceph runs

/** Where a cluster's ceph binaries run, and where its daemons see the state dir. */
interface CephHost {
  /** the state dir as the daemons see it (paths in ceph.conf, pid files' owners' command lines) */
  inside: string;
  /** [command, args] that runs ceph binary `bin` for this cluster */
  argv(bin: string, args: string[]): [string, string[]];
  env: NodeJS.ProcessEnv;
}

function onHost(dir: string): CephHost {
  return { inside: dir, argv: (bin, args) => [bin, args], env: { ...process.env, CEPH_CONF: join(dir, 'ceph.conf') } };
}

// Runs "$@" chrooted in $1 inside a fresh private mount namespace (util-linux unshare), with the host's state
// dir $2 bound at $3. Mounts made here exist only for this process and its children: a daemon carries its
// namespace along, and the kernel unmounts everything when its last process exits (also after SIGKILL).
const IN_CHROOT = `set -e
r=$1 d=$2 m=$3; shift 3
mount -t proc proc "$r/proc"
mount -t tmpfs -o mode=1777,size=64m shm "$r/dev/shm"
mount -t tmpfs -o mode=1777,size=64m tmp "$r/tmp"
mount -t tmpfs -o mode=755,size=1m state "$r/mnt"
mkdir "$r$m"
mount --bind "$d" "$r$m"
exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CEPH_CONF="$m/ceph.conf" "$@"`;

function inChroot(chroot: CephChroot, dir: string): CephHost {
  // unique per cluster, so a pid's command line (-c <inside>/ceph.conf) tells our daemons from those of
  // another cluster in the same chroot
  const inside = `/mnt/${basename(dir)}`;
  return {
    inside,
    argv: (bin, args) => ['unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', IN_CHROOT, 'ceph-chroot', chroot.root, dir, inside, bin, ...args]],
    env: process.env,
  };
}

/** Runs a ceph tool for the cluster and returns its stdout. */
function cephRun(host: CephHost, bin: string, args: string[], timeoutMs?: number): Promise<string> {
  const [cmd, argv] = host.argv(bin, args);
  return run(cmd, argv, host.env, timeoutMs);
}

/** Starts a ceph daemon of the cluster (see daemonize). */
function cephDaemon(host: CephHost, bin: string, args: string[], logFile: string): Promise<void> {
  const [cmd, argv] = host.argv(bin, args);
  return daemonize(cmd, argv, host.env, logFile);
}

// ------------------------------------------------------------------ installation

async function onPath(bin: string): Promise<boolean> {
  // PATH only: spawn() looks the binaries up the same way
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (!d) continue;
    try {
      await access(join(d, bin), constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

async function missingBinaries(): Promise<(typeof CEPH_BINARIES)[number][]> {
  const missing: (typeof CEPH_BINARIES)[number][] = [];
  for (const bin of CEPH_BINARIES) if (!(await onPath(bin))) missing.push(bin);
  return missing;
}

/** Makes sure the ceph binaries exist: installs them as root on Debian/Ubuntu, else explains what to do. */
async function ensureCeph(log: (l: string) => void): Promise<void> {
  let missing = await missingBinaries();
  if (missing.length === 0) return;
  const what = missing.map((b) => `${b} (package ${BINARIES[b]})`).join(', ');
  if (!existsSync('/etc/debian_version') || process.getuid?.() !== 0) {
    throw new CephMissingError(`Ceph binaries missing: ${what}. ${ENV_HINT}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const t0 = performance.now();
  log(`ceph binaries missing (${missing.join(', ')}): apt-get install ${CEPH_PACKAGES.join(' ')}`);
  try {
    await run('apt-get', ['update', '-qq'], env, 600_000);
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...CEPH_PACKAGES], env, 1_200_000);
  } catch (e) {
    throw new CephMissingError(`Ceph binaries missing (${what}) and apt-get could not install them: ${(e as Error).message}`, { cause: e });
  }
  missing = await missingBinaries();
  if (missing.length) throw new CephMissingError(`still missing after apt-get install: ${missing.join(', ')}. ${ENV_HINT}`);
  log(`ceph packages installed in ${Math.round(performance.now() - t0)} ms`);
}

// ------------------------------------------------------------------ cluster

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Readiness probe: anonymous GET / (ListAllMyBuckets) answers 200 once radosgw serves S3. */
function answers200(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/', timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
run dir = ${dir}/run
crash dir = ${dir}/crash
keyring = ${dir}/keyring
log to stderr = false
err to stderr = true
mon cluster log file = ${dir}/log/cluster.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# tmpfs/overlay disks may look "full" to the mon's default thresholds
mon data avail warn = 2
mon data avail crit = 1
paxos propose interval = 0.1

[mon]
mon data = ${dir}/mon/$cluster-$id
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid

[osd]
osd data = ${dir}/osd/$cluster-$id
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
# data in RAM, capped at 1 GiB: nothing survives the OSD, nothing touches the disk
osd objectstore = memstore
memstore device bytes = 1073741824
osd class load list = *
osd class default list = *
osd crush initial weight = 1
osd op num shards = 2
osd op num threads per shard = 1

[client.rgw.a]
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
rgw data = ${dir}/rgw
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
# radosgw defaults to ms_mon_client_mode=secure, which auth=none cannot do (EACCES loop)
ms mon client mode = crc
rgw thread pool size = 64
rgw enable ops log = false
rgw enable usage log = false
rgw dynamic resharding = false
# a notification endpoint that accepts but never answers blocks the upload (non-persistent topic)
# or the queue (persistent) this many seconds (ceph default 300)
rgw curl low speed time = 10
`;
}

async function logTails(dir: string, lines = 20): Promise<string> {
  let out = '';
  try {
    for (const f of (await readdir(join(dir, 'log'))).sort()) {
      const text = await readFile(join(dir, 'log', f), 'utf8').catch(() => '');
      const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
      if (tail) out += `\n--- tail ${f}\n${tail}`;
    }
  } catch {
    /* no logs yet */
  }
  return out;
}

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number, dead?: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await ok()) return;
    if (dead?.()) throw new Error(`${what}: daemon died`);
    if (Date.now() > until) throw new Error(`${what}: timed out after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Starts radosgw and waits until it serves S3 (or dies). */
async function startGateway(host: CephHost, dir: string, port: number): Promise<void> {
  // A SIGKILLed radosgw leaves its pid file: read before the new daemon writes its own, the old pid
  // would say "died" while the new one starts.
  rmSync(join(dir, 'run', 'client.rgw.a.pid'), { force: true });
  await cephDaemon(host, 'radosgw', ['-c', join(host.inside, 'ceph.conf'), '-n', 'client.rgw.a'], join(dir, 'log', 'start.log'));
  const rgwDead = () => {
    const pid = readPid(dir, 'client.rgw.a');
    return pid !== undefined && !alive(pid);
  };
  await waitFor(`radosgw on 127.0.0.1:${port}`, () => answers200(port), 120_000, rgwDead);
}

type ClusterInfo = Omit<Rgw, 'stop' | 'restartGateway' | 'stopGateway' | 'startGateway' | 'bringUpMs' | 'release'>;

async function bringUp(host: CephHost, dir: string, rgwPort: number, log: (l: string) => void): Promise<ClusterInfo> {
  const t0 = performance.now();
  const step = (m: string) => log(`[${((performance.now() - t0) / 1000).toFixed(2)}s] ${m}`);
  const monPort = await freePort();
  const d = host.inside; // paths as the ceph binaries see them
  const conf = join(d, 'ceph.conf');
  const fsid = randomUUID();
  for (const sub of ['run', 'log', 'mon/ceph-a', 'osd/ceph-0', 'rgw', 'crash']) await mkdir(join(dir, sub), { recursive: true });
  await writeFile(join(dir, 'ceph.conf'), cephConf(d, fsid, monPort, rgwPort));
  const startLog = join(dir, 'log', 'start.log');
  const ceph = (bin: string, args: string[], timeoutMs?: number) => cephRun(host, bin, args, timeoutMs);

  // monitor: mkfs wants a keyring even with auth=none; a throwaway one is enough
  const keyring = join(d, 'keyring');
  await ceph('ceph-authtool', ['--create-keyring', keyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
  await ceph('ceph-authtool', [keyring, '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *']);
  await ceph('monmaptool', ['--create', '--clobber', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, join(d, 'monmap')]);
  await ceph('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(d, 'monmap'), '--keyring', keyring]);
  await cephDaemon(host, 'ceph-mon', ['-c', conf, '-i', 'a'], startLog); // returns once the mon is initialised
  step(`mon on 127.0.0.1:${monPort}`);

  // OSD: register, mkfs (memstore), start
  const osdUuid = randomUUID();
  const osdId = (await ceph('ceph', ['-c', conf, 'osd', 'new', osdUuid], 60_000)).trim();
  if (osdId !== '0') throw new Error(`unexpected osd id ${JSON.stringify(osdId)}`);
  await ceph('ceph-osd', ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
  await cephDaemon(host, 'ceph-osd', ['-c', conf, '-i', '0'], startLog);
  step('osd.0 started');

  await startGateway(host, dir, rgwPort);
  step(`radosgw answering on 127.0.0.1:${rgwPort}`);

  // S3 user with generated keys
  const accessKey = randomBytes(15).toString('base64').replace(/[^A-Za-z0-9]/g, '').toUpperCase().padEnd(20, 'X').slice(0, 20);
  const secretKey = randomBytes(30).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(40, 'x').slice(0, 40);
  await ceph('radosgw-admin', ['-c', conf, 'user', 'create', '--uid=bucket-ml', '--display-name=bucket-ml tests', `--access-key=${accessKey}`, `--secret-key=${secretKey}`]);
  // the port may have been grabbed by someone else between freePort() and bind: make sure the gateway
  // that answered is still ours
  const pid = readPid(dir, 'client.rgw.a');
  if (pid === undefined || !alive(pid)) throw new Error('radosgw died after start (port taken?)');
  step('S3 user created');
  return { endpoint: `http://127.0.0.1:${rgwPort}`, accessKey, secretKey, region: 'default', dir, startedHere: true };
}

/** Breaks the queue locks a killed radosgw left in RADOS, so the next radosgw owns the persistent
 *  notification queues at its next scan (~30 s) instead of after the 90 s lock expiry. */
async function breakQueueLocks(host: CephHost, log: (l: string) => void): Promise<void> {
  const rados = (args: string[]) => cephRun(host, 'rados', ['-c', join(host.inside, 'ceph.conf'), '-p', 'default.rgw.log', '-N', 'notif', ...args]).catch(() => '');
  const objects = await rados(['ls']);
  for (const q of objects.split('\n').map((s) => s.trim())) {
    if (!q || q === 'queues_list_object') continue;
    const info = await rados(['lock', 'info', q, `${q}_lock`]);
    let lockers: { name?: string; cookie?: string }[] = [];
    try {
      lockers = (JSON.parse(info) as { lockers?: typeof lockers }).lockers ?? [];
    } catch {
      continue;
    }
    for (const l of lockers) {
      if (!l.name || l.cookie === undefined) continue;
      await rados(['lock', 'break', q, `${q}_lock`, l.name, '--lock-cookie', l.cookie]);
      log(`broke lock on queue ${q}`);
    }
  }
}

/** The Ceph binaries for `release`: the host's (16.2), or a cached Debian trixie chroot (18.2). */
async function cephFor(release: Release, log: (l: string) => void): Promise<(dir: string) => CephHost> {
  if (release === '16.2') {
    await ensureCeph(log);
    return onHost;
  }
  const chroot = await ensureCephChroot({ suite: 'trixie', log });
  if (!chroot.cephVersion.startsWith(`${release}.`)) {
    throw new Error(`the ${chroot.suite} chroot ${chroot.root} has Ceph ${chroot.cephVersion}, not ${release}`);
  }
  return (dir) => inChroot(chroot, dir);
}

export async function startRgw(opts: StartOptions = {}): Promise<Rgw> {
  const log = opts.log ?? (() => {});
  const release = opts.release ?? '16.2';
  const hostFor = await cephFor(release, log);
  const t0 = performance.now(); // bring-up time excludes a package install or chroot build

  // A bind race on a port picked free is possible with concurrent clusters: retry with new ports.
  for (let attempt = 1; ; attempt++) {
    let dir: string;
    if (opts.dir) {
      dir = opts.dir;
      const running = DAEMONS.some((d) => {
        const p = readPid(dir, d.name);
        return p !== undefined && alive(p) && isOurs(p, d.exe, join(hostFor(dir).inside, 'ceph.conf'));
      });
      if (running) throw new Error(`a cluster in ${dir} is still running; stop it first`);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
    } else {
      dir = await mkdtemp(join(tmpdir(), `bucket-ml-rgw${release.split('.')[0]}-`));
    }
    const host = hostFor(dir);
    const conf = join(host.inside, 'ceph.conf');
    installHandlers();
    live.set(dir, conf);
    const port = opts.port ?? (await freePort());
    try {
      const info = await bringUp(host, dir, port, log);
      const bringUpMs = Math.round(performance.now() - t0);
      let stopped = false;
      const stopRadosgw = async (): Promise<void> => {
        if (stopped) throw new Error('cluster already stopped');
        await waitGone(killDaemons(dir, conf, ['client.rgw.a']));
      };
      const startRadosgw = async (): Promise<void> => {
        if (stopped) throw new Error('cluster already stopped');
        await breakQueueLocks(host, log);
        await startGateway(host, dir, port);
      };
      return {
        ...info,
        release,
        bringUpMs,
        adminCommand: host.argv('radosgw-admin', ['-c', conf]).flat(),
        async stop() {
          if (stopped) return;
          stopped = true;
          await waitGone(killDaemons(dir, conf));
          live.delete(dir);
          await rm(dir, { recursive: true, force: true });
        },
        restartGateway: async () => {
          await stopRadosgw();
          await startRadosgw();
          log('radosgw restarted');
        },
        stopGateway: stopRadosgw,
        startGateway: startRadosgw,
      };
    } catch (e) {
      const tails = await logTails(dir);
      await waitGone(killDaemons(dir, conf)).catch(() => {});
      live.delete(dir);
      await rm(dir, { recursive: true, force: true });
      const msg = e instanceof Error ? e.message : String(e);
      const bindRace = /Address already in use|bind.*fail|failed to bind|\(98\)/i.test(tails);
      if (bindRace && attempt < 3 && opts.port === undefined) {
        log(`attempt ${attempt} lost a port race, retrying with new ports`);
        continue;
      }
      throw new Error(`Ceph RGW ${release} failed to start: ${msg}${tails}`, { cause: e });
    }
  }
}

/** "18.2.7" → "18.2" from RGW's anonymous Swift capability document (an external RGW's release). */
async function probeRelease(endpoint: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${endpoint}/swift/info`, { signal: AbortSignal.timeout(3000) });
    const version = ((await res.json()) as { swift?: { version?: unknown } }).swift?.version;
    return typeof version === 'string' ? /^\d+\.\d+/.exec(version)?.[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Releases a test run covers: BUCKET_ML_RGW_RELEASES (comma-separated, default all), or the one
 *  external RGW named by BUCKET_ML_RGW_ENDPOINT. */
export function releasesForTests(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.BUCKET_ML_RGW_ENDPOINT) return [env.BUCKET_ML_RGW_RELEASE || 'external'];
  const wanted = (env.BUCKET_ML_RGW_RELEASES || RELEASES.join(',')).split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = wanted.filter((r) => !(RELEASES as readonly string[]).includes(r));
  if (unknown.length) throw new Error(`BUCKET_ML_RGW_RELEASES: unknown release ${unknown.join(', ')} (known: ${RELEASES.join(', ')})`);
  return wanted;
}

/** The RGW for the tests of one release: an existing one from BUCKET_ML_RGW_* env vars, else a fresh
 *  throwaway cluster of that release. */
export async function rgwForTests(release: string, log?: (l: string) => void): Promise<Rgw> {
  const endpoint = process.env.BUCKET_ML_RGW_ENDPOINT?.replace(/\/+$/, '');
  if (endpoint) {
    const accessKey = process.env.BUCKET_ML_RGW_ACCESS_KEY;
    const secretKey = process.env.BUCKET_ML_RGW_SECRET_KEY;
    if (!accessKey || !secretKey) {
      throw new Error('BUCKET_ML_RGW_ENDPOINT is set: BUCKET_ML_RGW_ACCESS_KEY and BUCKET_ML_RGW_SECRET_KEY must be set too');
    }
    const actual = process.env.BUCKET_ML_RGW_RELEASE || (await probeRelease(endpoint));
    if (!actual) throw new Error(`cannot tell the Ceph release of ${endpoint} (no /swift/info): set BUCKET_ML_RGW_RELEASE, e.g. 18.2`);
    return {
      release: actual,
      endpoint,
      accessKey,
      secretKey,
      region: process.env.BUCKET_ML_RGW_REGION || 'default',
      startedHere: false,
      async stop() {},
    };
  }
  if (!(RELEASES as readonly string[]).includes(release)) throw new Error(`no launcher for Ceph release ${release} (known: ${RELEASES.join(', ')})`);
  return startRgw({ release: release as Release, ...(log ? { log } : {}) });
}
