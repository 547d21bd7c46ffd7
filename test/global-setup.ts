// vitest globalSetup: one real Ceph RGW of one release (or the one named by BUCKET_ML_RGW_*), handed to
// the test files through provide/inject, torn down when the run ends. The root config's runs once for
// the first release, shared by the projects that do not have their own; each further release's project
// (vitest.config.ts names it rgw-<release>) has its own, whose `provide` overrides the root's there.
import type { TestProject } from 'vitest/node';
import { releasesForTests, rgwForTests } from './rgw/launcher.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    rgw: { release: string; endpoint: string; accessKey: string; secretKey: string; region: string };
    /** Command (and leading arguments) that runs radosgw-admin against the run's cluster; unset for an
     *  external RGW without BUCKET_ML_RGW_CEPH_CONF. */
    rgwAdminCommand: string[] | undefined;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const release = /^rgw-(.+)$/.exec(project.name)?.[1] ?? releasesForTests()[0]!;
  const say = (line: string) => process.stderr.write(`[rgw ${release}] ${line}\n`);
  const verbose = Boolean(process.env.BUCKET_ML_RGW_VERBOSE);
  // No RGW means the run stops here with the launcher's message (what is missing, how to get it, or
  // which BUCKET_ML_RGW_* variables name an existing RGW): tests that need one never skip.
  const rgw = await rgwForTests(release, verbose ? say : undefined);
  say(rgw.startedHere ? `Ceph RGW up at ${rgw.endpoint} in ${rgw.bringUpMs} ms (${rgw.dir})` : `using external RGW ${rgw.endpoint} (Ceph ${rgw.release})`);
  const { endpoint, accessKey, secretKey, region } = rgw;
  project.provide('rgw', { release: rgw.release, endpoint, accessKey, secretKey, region });
  const externalConf = process.env.BUCKET_ML_RGW_CEPH_CONF;
  project.provide('rgwAdminCommand', rgw.adminCommand ?? (externalConf ? ['radosgw-admin', '-c', externalConf] : undefined));
  return async () => {
    const t0 = performance.now();
    await rgw.stop();
    if (rgw.startedHere) say(`Ceph RGW stopped in ${Math.round(performance.now() - t0)} ms`);
  };
}
