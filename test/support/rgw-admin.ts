// radosgw-admin against the run's RGW (test/global-setup.ts provides how to run it: on the host for
// Ceph 16.2, inside its chroot for 18.2), for tests that
// need S3 users other than the run's own: e.g. one limited like Rook's ObjectBucketClaim user.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const run = promisify(execFile);

export interface RgwUser {
  uid: string;
  accessKey: string;
  secretKey: string;
}

export interface RgwAdmin {
  /** `radosgw-admin user create`, with generated keys; maxBuckets as Rook sets it for a claim's user. */
  createUser(uid: string, opts?: { maxBuckets?: number }): Promise<RgwUser>;
  removeUser(uid: string): Promise<void>;
}

/** The run's radosgw-admin; fails (never skips) when the RGW was not started by this run. */
export function rgwAdmin(): RgwAdmin {
  const command = inject('rgwAdminCommand');
  if (!command?.length) throw new Error('radosgw-admin needs the ceph.conf of the run\'s cluster: an external RGW (BUCKET_ML_RGW_*) needs BUCKET_ML_RGW_CEPH_CONF too');
  const [bin, ...lead] = command as [string, ...string[]];
  const admin = async (...args: string[]): Promise<string> => (await run(bin, [...lead, ...args], { timeout: 60_000 })).stdout;
  return {
    async createUser(uid, opts = {}) {
      const out = await admin('user', 'create', `--uid=${uid}`, `--display-name=${uid}`, ...(opts.maxBuckets === undefined ? [] : [`--max-buckets=${opts.maxBuckets}`]));
      const user = JSON.parse(out) as { keys: Array<{ access_key: string; secret_key: string }>; max_buckets: number };
      const key = user.keys[0];
      if (!key) throw new Error(`radosgw-admin made user ${uid} without keys: ${out}`);
      return { uid, accessKey: key.access_key, secretKey: key.secret_key };
    },
    async removeUser(uid) {
      await admin('user', 'rm', `--uid=${uid}`, '--purge-data');
    },
  };
}
