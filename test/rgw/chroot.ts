// A Debian chroot with a newer Ceph than the host's (trixie ships Ceph 18.2 "Reef"; bookworm only 16.2),
// built with mmdebstrap from Debian's mirror and cached between runs in a fixed directory. The cache
// entry is named for what it holds (suite, architecture, Ceph package version) and appears atomically
// (built under a temporary name, then renamed), so concurrent runs never see a half-built chroot.
// Only node: modules (see launcher.ts).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface CephChroot {
  root: string;
  suite: string;
  /** version of Debian's radosgw package inside, e.g. "18.2.7+ds-1" */
  cephVersion: string;
  /** set when this call built it */
  builtMs?: number;
}

export interface ChrootOptions {
  /** Debian suite whose Ceph to run; default trixie (Ceph 18.2) */
  suite?: string;
  /** where chroots are kept; default BUCKET_ML_CEPH_CHROOT_CACHE or /var/cache/bucket-ml/ceph-chroot */
  cacheDir?: string;
  /** default BUCKET_ML_DEBIAN_MIRROR or http://deb.debian.org/debian */
  mirror?: string;
  log?: (line: string) => void;
}

/** Debian packages with the Ceph binaries the launcher runs (same names in every suite). */
export const CEPH_PACKAGES = ['ceph-mon', 'ceph-osd', 'radosgw', 'ceph-common'];
export const CEPH_BINARIES = ['ceph-mon', 'monmaptool', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool', 'rados'] as const;

/** The chroot cannot be built here (not root, not Debian, no mmdebstrap, no mirror): an environment problem. */
export class ChrootUnavailableError extends Error {
  override name = 'ChrootUnavailableError';
}

const STALE_BUILD_MS = 2 * 3600_000;

function run(cmd: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 64 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message.split('\n')[0]}\n${String(stderr).trim().slice(-2000)}`));
      else resolve(String(stdout));
    });
  });
}

function debianArch(): string {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64el', s390x: 's390x' };
  const a = arch[process.arch];
  if (!a) throw new ChrootUnavailableError(`no Debian Ceph packages for architecture ${process.arch}`);
  return a;
}

const hasCeph = (root: string) => CEPH_BINARIES.every((b) => existsSync(join(root, 'usr/bin', b)));

/** Cache entries for this suite and architecture, newest Ceph version first. */
async function cached(cacheDir: string, suite: string, arch: string): Promise<CephChroot[]> {
  const prefix = `${suite}-${arch}-ceph-`;
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  return names
    .filter((n) => n.startsWith(prefix) && hasCeph(join(cacheDir, n)))
    .map((n) => ({ root: join(cacheDir, n), suite, cephVersion: n.slice(prefix.length) }))
    .sort((a, b) => b.cephVersion.localeCompare(a.cephVersion, 'en', { numeric: true }));
}

/** Removes builds a killed run left behind (only old ones: another run may be building right now). */
async function dropStaleBuilds(cacheDir: string): Promise<void> {
  for (const n of await readdir(cacheDir).catch(() => [] as string[])) {
    if (!n.startsWith('.build-')) continue;
    const s = await stat(join(cacheDir, n)).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > STALE_BUILD_MS) await rm(join(cacheDir, n), { recursive: true, force: true });
  }
}

async function ensureMmdebstrap(log: (l: string) => void): Promise<void> {
  if (await run('sh', ['-c', 'command -v mmdebstrap'], 5_000).then(() => true, () => false)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log('mmdebstrap missing: apt-get install mmdebstrap');
  try {
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'mmdebstrap'], 600_000, env).catch(async () => {
      await run('apt-get', ['update', '-qq'], 600_000, env);
      return run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'mmdebstrap'], 600_000, env);
    });
  } catch (e) {
    throw new ChrootUnavailableError(`mmdebstrap is missing and apt-get could not install it: ${(e as Error).message}`, { cause: e });
  }
}

/** The cached chroot for `suite`, built (once, ~30 s plus a ~150 MB download) when there is none. */
export async function ensureCephChroot(opts: ChrootOptions = {}): Promise<CephChroot> {
  const suite = opts.suite ?? 'trixie';
  const cacheDir = opts.cacheDir ?? process.env.BUCKET_ML_CEPH_CHROOT_CACHE ?? '/var/cache/bucket-ml/ceph-chroot';
  const mirror = opts.mirror ?? process.env.BUCKET_ML_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
  const log = opts.log ?? (() => {});
  const arch = debianArch();
  const hit = (await cached(cacheDir, suite, arch))[0];
  if (hit) return hit;

  // chroot(2) and the mounts the daemons need are root-only; the build uses the host's apt and keyring
  if (process.getuid?.() !== 0 || !existsSync('/etc/debian_version')) {
    throw new ChrootUnavailableError(
      `Ceph from Debian ${suite} runs in a chroot, which needs root on a Debian/Ubuntu host; none cached in ${cacheDir}. ` +
        'Run the suite as root, or choose releases with BUCKET_ML_RGW_RELEASES=16.2.',
    );
  }
  await mkdir(cacheDir, { recursive: true });
  await dropStaleBuilds(cacheDir);
  await ensureMmdebstrap(log);
  const t0 = performance.now();
  const tmp = await mkdtemp(join(cacheDir, '.build-'));
  log(`building a ${suite} chroot with ${CEPH_PACKAGES.join(' ')} from ${mirror} (once; cached in ${cacheDir})`);
  try {
    await run(
      'mmdebstrap',
      [
        '--quiet',
        '--mode=root',
        '--variant=apt',
        `--architectures=${arch}`,
        '--aptopt=APT::Install-Recommends "false"',
        // documentation and translations are never read here: ~60 MB less per chroot
        '--dpkgopt=path-exclude=/usr/share/doc/*',
        '--dpkgopt=path-exclude=/usr/share/man/*',
        '--dpkgopt=path-exclude=/usr/share/locale/*',
        `--include=${CEPH_PACKAGES.join(',')}`,
        suite,
        tmp,
        mirror,
      ],
      1_800_000,
    );
    if (!hasCeph(tmp)) throw new Error(`the ${suite} chroot lacks some of ${CEPH_BINARIES.join(', ')}`);
    const version = (await run('chroot', [tmp, 'dpkg-query', '-W', '-f', '${Version}', 'radosgw'], 30_000)).trim();
    if (!/^[\w.+~:-]+$/.test(version)) throw new Error(`unexpected radosgw version ${JSON.stringify(version)}`);
    const root = join(cacheDir, `${suite}-${arch}-ceph-${version}`);
    try {
      await rename(tmp, root);
    } catch (e) {
      // another run finished the same chroot first: use theirs
      if (!hasCeph(root)) throw e;
      await rm(tmp, { recursive: true, force: true });
    }
    const builtMs = Math.round(performance.now() - t0);
    log(`${suite} chroot with radosgw ${version} ready in ${builtMs} ms: ${root}`);
    return { root, suite, cephVersion: version, builtMs };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new ChrootUnavailableError(`could not build the ${suite} Ceph chroot: ${(e as Error).message}`, { cause: e });
  }
}
