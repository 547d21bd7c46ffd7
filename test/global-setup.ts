// vitest globalSetup: one real Ceph RGW per test run (or the one named by BUCKET_ML_RGW_*), handed to
// the test files through provide/inject, torn down when the run ends.
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { rgwForTests } from './rgw/launcher.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    rgw: { endpoint: string; accessKey: string; secretKey: string; region: string };
    /** ceph.conf of the cluster started for this run (radosgw-admin needs it); unset for an external RGW. */
    rgwCephConf: string | undefined;
  }
}

const say = (line: string) => process.stderr.write(`[rgw] ${line}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const verbose = Boolean(process.env.BUCKET_ML_RGW_VERBOSE);
  // No RGW means the run stops here with the launcher's message (what is missing, how to get it, or
  // which BUCKET_ML_RGW_* variables name an existing RGW): tests that need one never skip.
  const rgw = await rgwForTests(verbose ? say : undefined);
  say(rgw.startedHere ? `Ceph RGW up at ${rgw.endpoint} in ${rgw.bringUpMs} ms (${rgw.dir})` : `using external RGW ${rgw.endpoint}`);
  const { endpoint, accessKey, secretKey, region } = rgw;
  project.provide('rgw', { endpoint, accessKey, secretKey, region });
  project.provide('rgwCephConf', rgw.dir ? join(rgw.dir, 'ceph.conf') : process.env.BUCKET_ML_RGW_CEPH_CONF);
  return async () => {
    const t0 = performance.now();
    await rgw.stop();
    if (rgw.startedHere) say(`Ceph RGW stopped in ${Math.round(performance.now() - t0)} ms`);
  };
}
