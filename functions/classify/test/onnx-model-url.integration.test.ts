// MODEL_URL naming a `.onnx` in a real Ceph RGW bucket (s3://), in process and as the built function:
// ONNX Runtime runs it, the spec comes from the export's metadata, and `ready` reports startup by part.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifyConfig } from '../src/config.ts';
import { decodeImage } from '../src/images/decode.ts';
import { ImageClassifier } from '../src/models/classifier.ts';
import { STARTUP_PARTS } from '../src/models/startup.ts';
import { modelLocationDeps } from '../src/vendor/core/index.ts';
import { startFunction } from '../../../test/support/function-process.ts';
import { imagesDir } from '../../../test/support/paths.ts';
import { awsEnvFor, rgwAccess, s3For, uniqueName } from '../../../test/support/rgw-clients.ts';
import { SHARED_MODELS, writeOnnxCopy } from './support/onnx-models.ts';

describe('MODEL_URL=s3://…/model.onnx on a real RGW', () => {
  const rgw = rgwAccess();
  const bucket = uniqueName('it-onnx-model');
  const modelUrl = `s3://${bucket}/darknet/v1/model.onnx`;
  let s3: S3Client;
  let work: string;
  /** In process the SDK's default chain would read the process environment: name the model's credentials. */
  const modelEnv = (): Record<string, string> => ({ ...awsEnvFor(rgw), MODEL_S3_ACCESS_KEY_ID: rgw.accessKey, MODEL_S3_SECRET_ACCESS_KEY: rgw.secretKey });

  beforeAll(async () => {
    s3 = s3For(rgw);
    work = await mkdtemp(path.join(tmpdir(), 'classify-onnx-url-'));
    const copy = await writeOnnxCopy(SHARED_MODELS[1]!, work);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'darknet/v1/model.onnx', Body: copy.bytes }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'darknet/v1/labels.json', Body: await readFile(path.join(work, 'labels.json')) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'giraffe.jpg', Body: await readFile(path.join(imagesDir, 'giraffe.jpg')) }));
  }, 120_000);

  afterAll(async () => {
    s3?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('in process: ONNX Runtime, spec from the export (logits, 0..1) without MODEL_* variables, giraffe.jpg is a zebra', async () => {
    const config = loadClassifyConfig({ ...modelEnv(), MODEL_URL: modelUrl, TF_BACKEND: 'onnx' });
    const c = await ImageClassifier.load({ modelUrl: config.MODEL_URL, overrides: {} }, modelLocationDeps(config), { backend: config.TF_BACKEND });
    try {
      expect(c.engineName).toBe('onnx');
      expect(c.spec).toMatchObject({ name: 'darknet_tiny', inputSize: 224, scaling: '0..1', output: 'logits' });
      expect(c.selection.fidelity).toMatch(/embedded reference/);
      const image = await decodeImage(await readFile(path.join(imagesDir, 'giraffe.jpg')), { size: 224, resize: 'center-crop', cropFraction: 0.875, maxPixels: 4e7 });
      const [top] = await c.classify(image.pixels, 1);
      expect(top!.label).toMatch(/^zebra/);
    } finally {
      await c.dispose();
    }
  });

  it('a missing .onnx in the bucket is a startup error naming the object', async () => {
    const config = loadClassifyConfig({ ...modelEnv(), MODEL_URL: `s3://${bucket}/nothing/model.onnx` });
    await expect(ImageClassifier.load({ modelUrl: config.MODEL_URL, overrides: {} }, modelLocationDeps(config), { backend: 'auto' })).rejects.toThrow(
      `nothing at s3://${bucket}/nothing/model.onnx`,
    );
  });

  it('the built function: ready on ONNX Runtime, the ready line carries startup by part, and it classifies', async () => {
    const fn = await startFunction('classify', { ...awsEnvFor(rgw), MODEL_URL: modelUrl });
    try {
      const ready = fn.logs().find((l) => l.msg === 'ready');
      expect(ready).toMatchObject({ backend: 'onnx', executor: 'onnx', fidelity: expect.stringMatching(/embedded reference/) });
      const startup = ready!.startup as Record<string, number>;
      // the engine's parts, the lifecycle's (model load as a whole, the inference workers) and the total
      expect(Object.keys(startup).sort()).toEqual([...STARTUP_PARTS, 'totalMs', 'model', 'workers'].sort());
      for (const v of Object.values(startup)) expect(typeof v).toBe('number');
      expect(startup.totalMs).toBeGreaterThanOrEqual(startup.importMs! + startup.fetchMs! + startup.sessionMs!);
      // TF.js was never needed
      expect(fn.output()).not.toMatch(/TensorFlow\.js/);

      const res = await fetch(fn.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: 'giraffe.jpg' } } }] }),
      });
      expect(res.status).toBeLessThan(300);
      const done = fn.logs().find((l) => l.msg === 'classified');
      expect(done).toBeDefined();
      expect(String(JSON.stringify(done))).toMatch(/zebra/);
    } finally {
      await fn.stop();
    }
  });
});
