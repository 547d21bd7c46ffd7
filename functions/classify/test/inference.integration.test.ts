// classify built and served by faas-js-runtime against the real RGW, under concurrent requests: every
// image answered with its own result while health checks keep answering, and a full inference queue
// answered 503 overloaded with Retry-After (retried by Knative), with nothing lost.
import { readFile } from 'node:fs/promises';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type RunningFunction } from '../../../test/support/function-process.ts';
import { expectedTop1, firstName } from '../../../test/support/images.ts';
import { sharedPath } from '../../../test/support/paths.ts';
import { awsEnvFor, rgwAccess, s3For, uniqueName } from '../../../test/support/rgw-clients.ts';

const capture = JSON.parse(await readFile(sharedPath('reference/ceph-rgw-16.2/samples/non-persistent.json'), 'utf8')) as {
  body: { Records: [Record<string, unknown> & { s3: { bucket: { name: string }; object: Record<string, unknown> } }] };
};
const MODEL_URL = `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}`;
const PHOTOS = [...expectedTop1().entries()];

/** RGW 16's own POST body, pointed at one of our objects. */
function rgwPost(bucket: string, key: string, eTag: string): string {
  const record = structuredClone(capture.body.Records[0]);
  record.s3.bucket.name = bucket;
  record.s3.object = { ...record.s3.object, key, eTag, size: 1 };
  return JSON.stringify({ Records: [record] });
}

interface Outcome {
  status: number;
  retryAfter: string | null;
  body: { outcomes?: Array<{ status: string; top?: { label: string } }>; error?: { code: string; retryable: boolean } };
}

describe('classify under concurrent requests (built, faas-js-runtime, real RGW)', () => {
  const rgw = rgwAccess();
  let s3: S3Client;
  const bucket = uniqueName('it-pool');
  /** key → [eTag, expected top-1] */
  const objects = new Map<string, [string, string]>();

  beforeAll(async () => {
    s3 = s3For(rgw);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // 3 copies of each photo under distinct keys: each is a distinct object to classify
    for (let copy = 0; copy < 3; copy++) {
      for (const [name, label] of PHOTOS) {
        const key = `c${copy}/${name}`;
        const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(sharedPath('images', name)) }));
        objects.set(key, [(out.ETag ?? '').replace(/"/g, ''), label]);
      }
    }
  });
  afterAll(() => s3?.destroy());

  async function post(fn: RunningFunction, key: string): Promise<Outcome> {
    const [eTag] = objects.get(key)!;
    const res = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: rgwPost(bucket, key, eTag) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Outcome['body'] };
  }

  async function storedResults(prefix: string): Promise<number> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `results/${prefix}` }));
    return listed.KeyCount ?? 0;
  }

  it('classifies every image of a concurrent burst with its own result; health answers meanwhile', async () => {
    const fn = await startFunction('classify', { ...awsEnvFor(rgw), MODEL_URL });
    try {
      const ready = fn.logs().find((l) => l.msg === 'ready') as { inference?: { workers: number; maxBatch: number } } | undefined;
      expect(ready?.inference?.workers).toBeGreaterThanOrEqual(1);
      const keys = [...objects.keys()].filter((k) => k.startsWith('c0/') || k.startsWith('c1/'));
      let answered = 0;
      const burst = keys.map((key) => post(fn, key).finally(() => answered++));
      const probes = await Promise.all(['liveness', 'readiness'].map(async (probe) => ({ status: (await fetch(`${fn.url}/health/${probe}`)).status, pending: keys.length - answered })));
      const outcomes = await Promise.all(burst);
      for (const probe of probes) {
        expect(probe.status).toBe(200);
        expect(probe.pending).toBeGreaterThan(0);
      }
      outcomes.forEach((outcome, i) => {
        expect(outcome.status, JSON.stringify(outcome.body)).toBe(200);
        expect(outcome.body.outcomes?.[0]?.status).toBe('classified');
        expect(firstName(outcome.body.outcomes?.[0]?.top?.label ?? '')).toBe(objects.get(keys[i]!)![1]);
      });
      expect((await storedResults('c0/')) + (await storedResults('c1/'))).toBe(keys.length);
    } finally {
      await fn.stop();
    }
  }, 240_000);

  it('answers a full inference queue with 503 overloaded + Retry-After; the retried requests then succeed', async () => {
    // one worker, one image at a time, no waiting room: a burst must overflow
    const fn = await startFunction('classify', { ...awsEnvFor(rgw), MODEL_URL, INFERENCE_WORKERS: '1', MAX_BATCH: '1', MAX_QUEUE: '0' });
    try {
      const keys = [...objects.keys()].filter((k) => k.startsWith('c2/'));
      const first = await Promise.all([...keys, ...keys].map((key) => post(fn, key)));
      const refused = first.filter((o) => o.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const o of refused) {
        expect(o.body.error).toMatchObject({ code: 'overloaded', retryable: true });
        expect(o.retryAfter).toMatch(/^[1-9]\d*$/);
      }
      for (const o of first.filter((x) => x.status !== 503)) expect(o.status).toBe(200);
      // what Knative does with a 503: try again; sequentially there is always a free worker
      for (const key of keys) {
        const again = await post(fn, key);
        expect(again.status).toBe(200);
        expect(['classified', 'duplicate']).toContain(again.body.outcomes?.[0]?.status);
      }
      expect(await storedResults('c2/')).toBe(keys.length);
    } finally {
      await fn.stop();
    }
  }, 240_000);
});
