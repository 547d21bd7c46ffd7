// classify's production install as the image carries it: functions/classify copied alone, `npm ci
// --omit=dev` (its postinstall, install/prune.mjs, removes what this platform never loads) plus the
// compiled build/ (test/standalone-build.test.ts compiles a lone copy too). What is left must still start
// classify and classify photos from the real RGW on each engine the image can choose.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmStartArguments } from '../packages/local/src/run/npm-start.ts';
import { startServer } from './support/function-process.ts';
import { expectedTop1 } from './support/images.ts';
import { repoRoot, sharedPath } from './support/paths.ts';
import { awsEnvFor, rgwAccess, s3For, uniqueName } from './support/rgw-clients.ts';
import { builderEnv, copyFunction, run } from './support/standalone.ts';

const PHOTOS = ['dog.jpg', 'kite.jpg'];
const BACKENDS = ['wasm', 'onnx'];

describe("classify's production install (npm ci --omit=dev, pruned by its postinstall) + build", () => {
  const rgw = rgwAccess();
  let scratch: string;
  let dir: string;
  let s3: S3Client;
  const bucket = uniqueName('standalone-classify');
  const records = new Map<string, string>();

  beforeAll(async () => {
    const built = path.join(repoRoot, 'functions/classify/build');
    if (!existsSync(path.join(built, 'index.js'))) throw new Error('functions/classify/build is missing: run npm run build first (npm test does)');
    scratch = await mkdtemp(path.join(tmpdir(), 'bucket-ml-classify-prod-'));
    dir = path.join(scratch, 'classify');
    await copyFunction('classify', dir);
    await run('npm', ['ci', '--omit=dev', '--prefer-offline'], { cwd: dir, env: builderEnv(), maxBuffer: 1 << 24 });
    await cp(built, path.join(dir, 'build'), { recursive: true });
    s3 = s3For(rgw);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // one copy per engine: a result another engine stored would answer as a duplicate
    for (const backend of BACKENDS) {
      for (const name of PHOTOS) {
        const key = `${backend}/${name}`;
        const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(sharedPath('images', name)) }));
        const eTag = (put.ETag ?? '').replace(/"/g, '');
        records.set(key, JSON.stringify({ Records: [{ eventVersion: '2.2', eventSource: 'ceph:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key, size: 1, eTag } } }] }));
      }
    }
  }, 300_000);
  afterAll(async () => {
    s3?.destroy();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("keeps only this platform's ONNX Runtime binding and TF.js's Node bundles (and their types)", async () => {
    const modules = path.join(dir, 'node_modules');
    expect(await readdir(path.join(modules, 'onnxruntime-node/bin/napi-v6'))).toEqual([process.platform]);
    expect(await readdir(path.join(modules, 'onnxruntime-node/bin/napi-v6', process.platform))).toEqual([process.arch]);
    const core = path.join(modules, '@tensorflow/tfjs-core/dist');
    expect(existsSync(path.join(core, 'tf-core.node.js'))).toBe(true);
    expect(existsSync(path.join(core, 'index.d.ts'))).toBe(true);
    expect(existsSync(path.join(core, 'tf-core.min.js'))).toBe(false);
    expect(existsSync(path.join(core, 'index.js'))).toBe(false);
    expect((await readdir(path.join(modules, '@tensorflow/tfjs-backend-wasm/dist'))).filter((f) => f.endsWith('.wasm')).length).toBe(3);
    // idempotent: a second run finds nothing left to remove
    const again = await run(process.execPath, ['install/prune.mjs'], { cwd: dir, env: { PATH: process.env.PATH ?? '' } });
    expect(again.stdout).toMatch(/removed 0\.0 MiB/);
  });

  for (const backend of BACKENDS) {
    it(`starts with npm start's command and classifies photos on ${backend}`, { timeout: 120_000 }, async () => {
      const fn = await startServer('classify', dir, npmStartArguments(dir), {
        ...awsEnvFor(rgw),
        TF_BACKEND: backend,
        MODEL_URL: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}`,
      });
      try {
        const ready = fn.logs().find((l) => l.msg === 'ready') ?? {};
        expect(JSON.stringify([ready.engine, ready.backend])).toContain(backend);
        const top1 = expectedTop1();
        for (const name of PHOTOS) {
          const res = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: records.get(`${backend}/${name}`)! });
          expect(res.status).toBe(200);
          const body = (await res.json()) as { outcomes: Array<{ status: string; top: { label: string } }> };
          expect(body.outcomes[0]?.status).toBe('classified');
          expect(body.outcomes[0]?.top.label.split(',')[0]).toBe(top1.get(name));
        }
      } finally {
        await fn.stop();
      }
    });
  }
});
