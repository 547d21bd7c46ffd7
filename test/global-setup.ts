// vitest globalSetup, once per vitest project: one real Ceph RGW of the project's release (vitest.config.ts
// names each project rgw-<release>), or the one named by BUCKET_ML_RGW_*, handed to the project's test
// files through provide/inject and torn down when the run ends.
import type { TestProject } from 'vitest/node';
import { rgwForTests } from './rgw/launcher.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    rgw: { release: string; endpoint: string; accessKey: string; secretKey: string; region: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = /^rgw-(.+)$/.exec(project.name)?.[1];
  if (!wanted) throw new Error(`vitest project ${JSON.stringify(project.name)} does not name a Ceph release (rgw-<release>)`);
  const say = (line: string) => process.stderr.write(`[rgw ${wanted}] ${line}\n`);
  const verbose = Boolean(process.env.BUCKET_ML_RGW_VERBOSE);
  // No RGW means the run stops here with the launcher's message (what is missing, how to get it, or
  // which BUCKET_ML_RGW_* variables name an existing RGW): tests that need one never skip.
  const rgw = await rgwForTests(wanted, verbose ? say : undefined);
  say(rgw.startedHere ? `Ceph RGW up at ${rgw.endpoint} in ${rgw.bringUpMs} ms (${rgw.dir})` : `using external RGW ${rgw.endpoint} (Ceph ${rgw.release})`);
  const { release, endpoint, accessKey, secretKey, region } = rgw;
  project.provide('rgw', { release, endpoint, accessKey, secretKey, region });
  return async () => {
    const t0 = performance.now();
    await rgw.stop();
    if (rgw.startedHere) say(`Ceph RGW stopped in ${Math.round(performance.now() - t0)} ms`);
  };
}
