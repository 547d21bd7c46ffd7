// Developer CLI: a throwaway Ceph RGW in the foreground.
//   npm run rgw -- up [--release 16.2|18.2]                   (tsx)
//   node --experimental-strip-types test/rgw/cli.ts up      (Node >= 22.6; flag not needed from 23.6)
// Node 20 has no type stripping; there, let vite (a devDependency via vitest) load it:
//   node --input-type=module -e "import {runnerImport} from 'vite'; await runnerImport('./test/rgw/cli.ts')" up
// Prints `export` lines for the AWS CLI/SDKs and for the tests (BUCKET_ML_RGW_*: `vitest` then reuses
// this cluster instead of starting its own), then waits for Ctrl-C and stops the cluster.
import { ensureCephChroot } from './chroot.ts';
import { RELEASES, startRgw, type Release } from './launcher.ts';

const USAGE =
  `usage: cli.ts up [--release ${RELEASES.join('|')}]   start a throwaway Ceph RGW (default ${RELEASES[0]}), ` +
  'print export lines, stop on Ctrl-C\n' +
  '       cli.ts chroot                  build (or find) the cached chroot Ceph 18.2 runs in, print its path\n';
// argv[1] is not always the script (e.g. when loaded by a TS runner from `node -e`): look for the command
const args = process.argv.slice(1);
if (args.includes('chroot')) {
  const chroot = await ensureCephChroot({ log: (line) => process.stderr.write(`[rgw] ${line}\n`) });
  process.stdout.write(`${chroot.root}\n`);
  process.exit(0);
}
const at = args.indexOf('--release');
const release = at >= 0 ? args[at + 1] : RELEASES[0];
if (!args.includes('up') || !(RELEASES as readonly (string | undefined)[]).includes(release)) {
  process.stderr.write(USAGE);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`[rgw] ${line}\n`);
const rgw = await startRgw({ log, release: release as Release });
const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
const vars: Record<string, string> = {
  AWS_ENDPOINT_URL_S3: rgw.endpoint,
  AWS_ENDPOINT_URL_SNS: rgw.endpoint,
  AWS_ACCESS_KEY_ID: rgw.accessKey,
  AWS_SECRET_ACCESS_KEY: rgw.secretKey,
  AWS_REGION: rgw.region,
  BUCKET_ML_RGW_ENDPOINT: rgw.endpoint,
  BUCKET_ML_RGW_ACCESS_KEY: rgw.accessKey,
  BUCKET_ML_RGW_SECRET_KEY: rgw.secretKey,
  BUCKET_ML_RGW_REGION: rgw.region,
  BUCKET_ML_RGW_RELEASE: rgw.release,
};
// the host's radosgw-admin / rados / ceph can talk to a 16.2 cluster; an 18.2 one's tools are in its chroot
if (rgw.release === '16.2') vars.CEPH_CONF = `${rgw.dir}/ceph.conf`;
for (const [k, v] of Object.entries(vars)) process.stdout.write(`export ${k}=${q(v)}\n`);
log(`up in ${rgw.bringUpMs} ms; Ctrl-C to stop`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await rgw.stop();
  log('stopped');
  process.exit(0);
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void shutdown());
setInterval(() => {}, 1 << 30); // stay in the foreground until a signal
