// ClassifyPipeline's decisions on the real RGW, in process: what a duplicate carries (the stored result),
// what a delivery racing another one gets (the same end), and what is refused before any S3 call.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifyConfig, type ClassifyConfig } from '../src/config.ts';
import type { Envelope } from '../src/events/envelope.ts';
import type { ObjectEvent } from '../src/events/record.ts';
import { InProcessInference } from '../src/inference/in-process.ts';
import { ImageClassifier } from '../src/models/classifier.ts';
import { ClassifyPipeline, type Outcome } from '../src/pipeline.ts';
import { createLogger, s3ClientFor } from '../src/vendor/core/index.ts';
import { imagesDir, modelsDir } from '../../../test/support/paths.ts';
import { awsEnvFor, rgwAccess, s3For, uniqueName } from '../../../test/support/rgw-clients.ts';

const MODEL_URL = pathToFileURL(path.join(modelsDir, 'mobilenet_v1_0.75_224/model.json')).href;
const silent = createLogger({}, { sink: () => undefined });
/** The classifier's own engine in this thread: the pipeline's decisions do not depend on where inference runs. */
const inThread = (c: ImageClassifier) => new InProcessInference(c.engine, c.spec, { maxBatch: 8, maxQueue: 32 });
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('ClassifyPipeline on the real RGW', () => {
  const rgw = rgwAccess();
  const bucket = uniqueName('it-pipeline');
  let s3: S3Client;
  let classifier: ImageClassifier;
  let config: ClassifyConfig;
  let backend: string;
  const eTags = new Map<string, string>();

  const pipeline = (overrides: Partial<ClassifyConfig> = {}, client: S3Client = s3): ClassifyPipeline =>
    new ClassifyPipeline({ s3: client, classifier, inference: inThread(classifier), config: { ...config, ...overrides }, backend, log: silent });
  const created = (key: string, eTag = eTags.get(key) ?? 'f00d'): ObjectEvent => ({ eventName: 'ObjectCreated:Put', bucket, key, eTag });
  const envelope = (...records: ObjectEvent[]): Envelope => ({ delivery: 'cloudevent', eventId: 'e-1', eventType: 'com.amazonaws.ObjectCreated:Put', records });
  const only = (outcomes: Outcome[]): Outcome => {
    expect(outcomes).toHaveLength(1);
    return outcomes[0]!;
  };
  async function stored(key: string): Promise<unknown> {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await got.Body!.transformToString()) as unknown;
  }

  beforeAll(async () => {
    s3 = s3For(rgw);
    config = loadClassifyConfig({ ...awsEnvFor(rgw), MODEL_URL, TF_BACKEND: 'wasm' });
    classifier = await ImageClassifier.load({ modelUrl: MODEL_URL, overrides: {} }, {}, { backend: config.TF_BACKEND });
    backend = classifier.engineName;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const name of ['dog.jpg', 'kite.jpg', 'giraffe.jpg']) {
      const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: name, Body: await readFile(path.join(imagesDir, name)) }));
      eTags.set(name, out.ETag!.replace(/"/g, ''));
    }
  });
  afterAll(async () => {
    await classifier?.dispose();
    s3?.destroy();
  });

  it('a second delivery is a duplicate carrying the stored result, equal to what the first produced', async () => {
    const p = pipeline();
    const first = only(await p.process(envelope(created('dog.jpg'))));
    expect(first.status).toBe('classified');
    if (first.status !== 'classified') return;
    const again = only(await p.process(envelope(created('dog.jpg'))));
    expect(again.status).toBe('duplicate');
    if (again.status !== 'duplicate') return;
    expect(again.result).toEqual(JSON.parse(JSON.stringify(first.result)));
    expect(again.result).toEqual(await stored(first.result.resultKey));
    // a fresh instance (another pod, or after a restart) reads the same result
    const elsewhere = only(await pipeline().process(envelope(created('dog.jpg'))));
    expect(elsewhere).toMatchObject({ status: 'duplicate', result: { resultKey: first.result.resultKey, classifiedAt: first.result.classifiedAt } });
  });

  it('a delivery racing the first one in the same instance waits and carries the same result', async () => {
    const p = pipeline();
    const [a, b] = await Promise.all([p.process(envelope(created('kite.jpg'))), p.process(envelope(created('kite.jpg')))]);
    const statuses = [only(a!).status, only(b!).status].sort();
    expect(statuses).toEqual(['classified', 'duplicate']);
    const results = [only(a!), only(b!)].map((o) => (o.status === 'classified' || o.status === 'duplicate' ? o.result : undefined));
    expect(results[0]).toBeDefined();
    expect(results[0]).toBe(results[1]);
  });

  it('two instances racing: the one whose write loses re-reads the winner’s result', async () => {
    const [a, b] = await Promise.all([pipeline().process(envelope(created('giraffe.jpg'))), pipeline().process(envelope(created('giraffe.jpg')))]);
    const outcomes = [only(a!), only(b!)];
    expect(outcomes.map((o) => o.status).sort()).toEqual(['classified', 'duplicate']);
    const winner = outcomes.find((o) => o.status === 'classified');
    const loser = outcomes.find((o) => o.status === 'duplicate');
    if (winner?.status !== 'classified' || loser?.status !== 'duplicate') throw new Error('unreachable');
    expect(loser.result).toEqual(JSON.parse(JSON.stringify(winner.result)));
    expect(await stored(winner.result.resultKey)).toEqual(loser.result);
  });

  it('a delivery racing a failing one shares the failure instead of claiming a duplicate', async () => {
    const p = pipeline();
    const gone = created('never-uploaded.jpg', '0123456789abcdef0123456789abcdef');
    const both = await Promise.all([p.process(envelope(gone)), p.process(envelope(gone))]);
    for (const outcomes of both) {
      const o = only(outcomes);
      expect(o.status).toBe('failed');
      if (o.status === 'failed') expect(o.error).toMatchObject({ status: 410, code: 'object_gone', retryable: false });
    }
  });

  it('something else stored under the result key is a permanent failure that names the key', async () => {
    const eTag = eTags.get('dog.jpg')!;
    const key = 'occupied.jpg';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(path.join(imagesDir, 'dog.jpg')) }));
    const taken = `results/${key}/etag-${eTag}/${classifier.spec.name}@${classifier.spec.version}.json`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: taken, Body: '{"hello":"world"}' }));
    const o = only(await pipeline().process(envelope(created(key, eTag))));
    expect(o.status).toBe('failed');
    if (o.status !== 'failed') return;
    expect(o.error).toMatchObject({ status: 422, code: 'result_unreadable', retryable: false });
    expect(o.error.message).toContain(`s3://${bucket}/${taken}`);
  });

  it('a result names its model: another model version stores its own result beside it, once', async () => {
    const key = 'model-upgrade.jpg';
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(path.join(imagesDir, 'dog.jpg')) }));
    const event = created(key, put.ETag!.replace(/"/g, ''));
    const v1 = only(await pipeline().process(envelope(event)));
    const upgraded = await ImageClassifier.load({ modelUrl: MODEL_URL, overrides: { version: 'v2-test' } }, {}, { backend: config.TF_BACKEND });
    try {
      const p2 = new ClassifyPipeline({ s3, classifier: upgraded, inference: inThread(upgraded), config, backend, log: silent });
      const v2 = only(await p2.process(envelope(event)));
      const v2again = only(await p2.process(envelope(event)));
      const v1again = only(await pipeline().process(envelope(event)));
      expect([v1.status, v2.status, v2again.status, v1again.status]).toEqual(['classified', 'classified', 'duplicate', 'duplicate']);
      if (v1.status !== 'classified' || v2.status !== 'classified' || v2again.status !== 'duplicate') return;
      expect(v1.result.model).toMatchObject({ name: 'mobilenet_v1_0.75_224', version: classifier.spec.version });
      expect(v2.result.model).toMatchObject({ name: 'mobilenet_v1_0.75_224', version: 'v2-test' });
      expect(v2.result.resultKey).toBe(`results/${key}/${event.eTag ? `etag-${event.eTag}` : ''}/mobilenet_v1_0.75_224@v2-test.json`);
      expect(v2again.result.resultKey).toBe(v2.result.resultKey);
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `results/${key}/` }));
      expect((listed.Contents ?? []).map((c) => c.Key).sort()).toEqual([v1.result.resultKey, v2.result.resultKey].sort());
    } finally {
      await upgraded.dispose();
    }
  });

  it('an object with a 1000-byte key (RGW accepts up to 1024) gets a result under a hashed, bounded key', async () => {
    const key = `long/${'k'.repeat(991)}.jpg`;
    expect(Buffer.byteLength(key)).toBe(1000);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(path.join(imagesDir, 'kite.jpg')) }));
    const event = created(key, put.ETag!.replace(/"/g, ''));
    const first = only(await pipeline().process(envelope(event)));
    expect(first).toMatchObject({ status: 'classified', result: { object: { key } } });
    if (first.status !== 'classified') return;
    const digest = createHash('sha256').update(key).digest('hex');
    expect(first.result.resultKey).toBe(`results/~sha256/${digest}/etag-${event.eTag}/${classifier.spec.name}@${classifier.spec.version}.json`);
    expect(Buffer.byteLength(first.result.resultKey)).toBeLessThanOrEqual(1024);
    expect(await stored(first.result.resultKey)).toMatchObject({ object: { key } });
    expect(only(await pipeline().process(envelope(event)))).toMatchObject({ status: 'duplicate', result: { resultKey: first.result.resultKey } });
  });

  describe('permanent failures', () => {
    const failureKeyOf = (key: string, eTag: string, version = classifier.spec.version): string => `results/${key}/etag-${eTag}/${classifier.spec.name}@${version}.failed.json`;
    const failedOf = (o: Outcome): Extract<Outcome, { status: 'failed' }> => {
      expect(o.status).toBe('failed');
      if (o.status !== 'failed') throw new Error('unreachable');
      return o;
    };

    it('a text file named .jpg: a failure document stored beside the results, with the error, object, model, delivery and timings so far', async () => {
      const key = 'text-named.jpg';
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'this is a text file\n', ContentType: 'image/jpeg' }));
      const eTag = put.ETag!.replace(/"/g, '');
      const o = failedOf(only(await pipeline().process({ ...envelope(created(key, eTag)), trace: { traceparent: TRACEPARENT } })));
      expect(o.error).toMatchObject({ status: 415, code: 'not_an_image', retryable: false });
      expect(o.failure).toMatchObject({
        schema: 'bucket-ml.classification-failure/v1',
        object: { bucket, key, eTag, size: 20, contentType: 'image/jpeg' },
        model: { name: classifier.spec.name, version: classifier.spec.version, backend },
        error: { status: 415, code: 'not_an_image', retryable: false },
        event: { delivery: 'cloudevent', id: 'e-1', eventName: 'ObjectCreated:Put', traceparent: TRACEPARENT },
        resultKey: failureKeyOf(key, eTag),
      });
      expect(o.failure?.timings.fetchMs).toBeGreaterThanOrEqual(0);
      expect(o.failure?.timings).not.toHaveProperty('inferenceMs');
      expect(await stored(failureKeyOf(key, eTag))).toEqual(JSON.parse(JSON.stringify(o.failure)));
      // beside, never as, the result
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `results/${key}/` }));
      expect((listed.Contents ?? []).map((c) => c.Key)).toEqual([failureKeyOf(key, eTag)]);
    });

    it('a duplicate delivery of a failure the bytes decide re-emits the stored one, without reading the object again', async () => {
      const key = 'truncated.jpg';
      const jpeg = await readFile(path.join(imagesDir, 'dog.jpg'));
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: jpeg.subarray(0, 3000) }));
      const eTag = put.ETag!.replace(/"/g, '');
      const first = failedOf(only(await pipeline().process(envelope(created(key, eTag)))));
      expect(first.error.code).toMatch(/^(corrupt_image|not_an_image|unsupported_image)$/);
      expect(first.repeated).toBeUndefined();
      // the object is gone now: a redo would fail differently (410), a re-emission cannot tell
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      const again = failedOf(only(await pipeline().process({ ...envelope(created(key, eTag)), eventId: 'e-2' })));
      expect(again.repeated).toBe(true);
      expect(again.error).toMatchObject({ status: first.error.status, code: first.error.code, message: first.error.message });
      expect(again.failure).toEqual(JSON.parse(JSON.stringify(first.failure)));
      expect(again.failure?.event.id).toBe('e-1');
    });

    it('a failure that depends on configuration is tried again, and a replay after the fix classifies: the result wins', async () => {
      const key = 'too-many-pixels.jpg';
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(path.join(imagesDir, 'dog.jpg')) }));
      const eTag = put.ETag!.replace(/"/g, '');
      const tight = pipeline({ MAX_PIXELS: 1000 });
      const first = failedOf(only(await tight.process(envelope(created(key, eTag)))));
      expect(first.error).toMatchObject({ status: 413, code: 'image_too_large' });
      expect(await stored(failureKeyOf(key, eTag))).toMatchObject({ error: { code: 'image_too_large' } });
      // the same configuration again: redone (not re-emitted), the document rewritten under the same name
      const second = failedOf(only(await tight.process({ ...envelope(created(key, eTag)), eventId: 'e-2' })));
      expect(second.repeated).toBeUndefined();
      expect(second.failure?.resultKey).toBe(first.failure?.resultKey);
      expect(await stored(failureKeyOf(key, eTag))).toMatchObject({ event: { id: 'e-2' } });
      // the operator raises MAX_PIXELS and replays the event
      const replay = only(await pipeline().process({ ...envelope(created(key, eTag)), eventId: 'e-3' }));
      expect(replay.status).toBe('classified');
      if (replay.status !== 'classified') return;
      expect(await stored(replay.result.resultKey)).toEqual(JSON.parse(JSON.stringify(replay.result)));
      // from now on the result wins, even for the configuration that failed
      expect(only(await tight.process(envelope(created(key, eTag))))).toMatchObject({ status: 'duplicate', result: { resultKey: replay.result.resultKey } });
    });

    it('an object gone before it was read: the failure is stored (and tried again next time: the same bytes may come back)', async () => {
      const key = 'gone-before-read.jpg';
      const eTag = '0123456789abcdef0123456789abcdef';
      const o = failedOf(only(await pipeline().process(envelope(created(key, eTag)))));
      expect(o.error).toMatchObject({ status: 410, code: 'object_gone' });
      expect(o.failure?.object).toEqual({ bucket, key, eTag });
      expect(await stored(failureKeyOf(key, eTag))).toMatchObject({ error: { code: 'object_gone' } });
      // the same bytes uploaded again (same eTag): classified, not answered with the old failure
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(path.join(imagesDir, 'kite.jpg')) }));
      const eTagNow = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).ETag!.replace(/"/g, '');
      expect(only(await pipeline().process(envelope(created(key, eTagNow)))).status).toBe('classified');
    });

    it('a bucket ALLOWED_BUCKETS excludes gets no document written into it; the failure is still reported', async () => {
      const key = 'not-allowed.jpg';
      const o = failedOf(only(await pipeline({ ALLOWED_BUCKETS: ['elsewhere'] }).process(envelope(created(key, 'feed')))));
      expect(o.error).toMatchObject({ status: 403, code: 'bucket_not_allowed' });
      expect(o.failure).toBeDefined();
      expect(o.failure).not.toHaveProperty('resultKey');
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `results/${key}/` }));
      expect(listed.Contents ?? []).toEqual([]);
    });

    it('every line a record logs carries the invocation\'s event id and the object', async () => {
      const lines: Array<Record<string, unknown>> = [];
      const capture = createLogger({ function: 'classify' }, { sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
      const key = 'logged.txt.jpg';
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'text' }));
      const e = envelope(created('dog.jpg'), created(key, put.ETag!.replace(/"/g, '')), { eventName: 'ObjectRemoved:Delete', bucket, key: 'x.jpg' });
      await pipeline().process(e, capture.child({ eventId: 'e-1' }));
      expect(lines.map((l) => [l.msg, l.key])).toEqual([
        ['duplicate delivery', 'dog.jpg'],
        ['not classified', key],
        ['ignored', 'x.jpg'],
      ]);
      for (const l of lines) expect(l).toMatchObject({ eventId: 'e-1', bucket, function: 'classify' });
    });
  });

  describe('MAX_RECORDS', () => {
    // An S3 endpoint that counts what reaches it (and answers 503), to see whether a request was made.
    let server: Server;
    let requests = 0;
    let counted: S3Client;
    beforeAll(async () => {
      server = createServer((req, res) => {
        requests += 1;
        req.resume();
        res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>ServiceUnavailable</Code></Error>');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      counted = s3ClientFor({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, maxAttempts: 1 });
    });
    afterAll(async () => {
      counted?.destroy();
      await new Promise((resolve) => server?.close(resolve));
    });

    it('more records than MAX_RECORDS → 413 naming the limit, before any S3 request', async () => {
      const records = ['a.jpg', 'b.jpg', 'c.jpg'].map((k) => created(k));
      requests = 0;
      await expect(pipeline({ MAX_RECORDS: 2 }, counted).process(envelope(...records))).rejects.toMatchObject({
        status: 413,
        code: 'too_many_records',
        message: expect.stringMatching(/3 records.*at most 2 \(MAX_RECORDS\)/),
      });
      expect(requests).toBe(0);
      // at the limit the records are processed (and here meet the failing store)
      const outcomes = await pipeline({ MAX_RECORDS: 3 }, counted).process(envelope(...records));
      expect(outcomes.map((o) => (o.status === 'failed' ? o.error.code : o.status))).toEqual(['storage_unavailable', 'storage_unavailable', 'storage_unavailable']);
      // transient: retried, so no failure document
      for (const o of outcomes) expect(o).not.toHaveProperty('failure');
      expect(requests).toBeGreaterThan(0);
    });
  });
});
