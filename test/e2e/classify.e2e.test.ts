// End to end on the real Ceph RGW: a topic pushes bucket notifications to the running classify
// function; every photo gets exactly one stored result with the expected label.
import { readFile, readdir } from 'node:fs/promises';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type RunningFunction } from '../support/function-process.ts';
import { expectedTop1, firstName } from '../support/images.ts';
import { sharedPath } from '../support/paths.ts';
import { startRecorder, waitFor, type Delivery } from '../support/recorder.ts';
import { awsEnvFor, rgwAccess, s3For, snsFor, uniqueName } from '../support/rgw-clients.ts';

interface StoredResult {
  object: { bucket: string; key: string; eTag?: string };
  top: { label: string; score: number };
  model: { name: string };
}

describe('classify end to end on a real RGW', () => {
  const rgw = rgwAccess();
  let s3: S3Client;
  let sns: SNSClient;
  let fn: RunningFunction;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  const bucket = uniqueName('e2e-photos');
  const photos: string[] = [];
  const t0 = performance.now();

  beforeAll(async () => {
    s3 = s3For(rgw);
    sns = snsFor(rgw);
    fn = await startFunction('classify', {
      ...awsEnvFor(rgw),
      MODEL_URL: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}`,
    });
    process.stderr.write(`[e2e] classify ready in ${fn.readyMs} ms (process start to readiness)\n`);
    // RGW pushes to a recorder that forwards to classify, so the test sees what RGW sent and what
    // classify answered it.
    recorder = await startRecorder(fn.url);
    const topic = await sns.send(new CreateTopicCommand({ Name: uniqueName('e2e-classify'), Attributes: { 'push-endpoint': recorder.url } }));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          TopicConfigurations: [
            {
              Id: 'classify-jpg',
              TopicArn: topic.TopicArn,
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jpg' }] } },
            },
          ],
        },
      }),
    );
    photos.push(...(await readdir(sharedPath('images'))).filter((f) => f.endsWith('.jpg')).sort());
  });

  afterAll(async () => {
    await recorder?.close();
    await fn?.stop();
    s3?.destroy();
    sns?.destroy();
    process.stderr.write(`[e2e] classify suite took ${Math.round(performance.now() - t0)} ms\n`);
  });

  const deliveryFor = (key: string): Delivery | undefined =>
    recorder.deliveries.find((d) => (JSON.parse(d.body) as { Records: Array<{ s3: { object: { key: string } } }> }).Records[0]?.s3.object.key === key);

  async function storedResults(): Promise<string[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'results/' }));
    return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
  }

  it('classifies every uploaded photo with the expected top-1 label', async () => {
    const expected = expectedTop1();
    expect(photos.length).toBeGreaterThanOrEqual(7);
    const uploadMs: number[] = [];
    for (const name of photos) {
      const started = performance.now();
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `uploads/${name}`, Body: await readFile(sharedPath('images', name)), ContentType: 'image/jpeg' }));
      uploadMs.push(performance.now() - started);
    }
    // Non-persistent topics push before PutObject returns; allow a moment anyway.
    await waitFor(() => recorder.deliveries.length >= photos.length, 30_000, 'one notification per photo');
    const keys = await storedResults();
    expect(keys).toHaveLength(photos.length);
    for (const name of photos) {
      const delivery = deliveryFor(`uploads/${name}`);
      expect(delivery?.status, `classify's answer to RGW for ${name}`).toBe(200);
      const key = keys.find((k) => k.startsWith(`results/uploads/${name}/`));
      expect(key, `stored result for ${name}`).toBeDefined();
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const result = JSON.parse(await got.Body!.transformToString()) as StoredResult;
      expect(result.object).toMatchObject({ bucket, key: `uploads/${name}` });
      expect(result.model.name).toBe('mobilenet_v1_0.75_224');
      expect(firstName(result.top.label), name).toBe(expected.get(name));
    }
    const latencies = fn.logs().filter((l) => l.msg === 'classified').map((l) => (l.timings as { totalMs: number }).totalMs);
    process.stderr.write(
      `[e2e] ${photos.length} photos: upload+classify ${uploadMs.map((v) => Math.round(v)).join(', ')} ms; ` +
        `classify totalMs ${latencies.join(', ')}\n`,
    );
  });

  it('sends nothing for a .txt and answers 4xx for a corrupt .jpg, storing no result for either (the .jpg gets a failure document)', async () => {
    const before = await storedResults();
    const deliveries = recorder.deliveries.length;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'uploads/notes.txt', Body: 'not a picture', ContentType: 'text/plain' }));
    // A JPEG header followed by garbage: it sniffs as JPEG but cannot be decoded.
    const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]), Buffer.alloc(4000, 0x5a)]);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'uploads/broken.jpg', Body: broken, ContentType: 'image/jpeg' }));
    const delivery = await waitFor(() => deliveryFor('uploads/broken.jpg'), 30_000, 'the broken.jpg notification');
    expect(delivery.status).toBeGreaterThanOrEqual(400);
    expect(delivery.status).toBeLessThan(500);
    const body = JSON.parse(delivery.responseBody ?? '{}') as { error?: { code: string; retryable: boolean }; outcomes?: Array<{ resultKey?: string }> };
    expect(body.error?.retryable).toBe(false);
    expect(['not_an_image', 'corrupt_image']).toContain(body.error?.code);
    expect(recorder.deliveries.length).toBe(deliveries + 1); // only broken.jpg: the suffix filter kept notes.txt out
    expect(deliveryFor('uploads/notes.txt')).toBeUndefined();
    const failureKey = body.outcomes?.[0]?.resultKey;
    expect(failureKey).toMatch(/^results\/uploads\/broken\.jpg\/.*\.failed\.json$/);
    expect(await storedResults()).toEqual([...before, failureKey].sort());
  });

  it('adds no second result when the same notification is delivered again', async () => {
    const before = await storedResults();
    const original = deliveryFor(`uploads/${photos[0]}`);
    expect(original).toBeDefined();
    const again = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: original!.body });
    expect(again.status).toBe(200);
    const body = (await again.json()) as { outcomes: Array<{ status: string }> };
    expect(body.outcomes.map((o) => o.status)).toEqual(['duplicate']);
    expect(await storedResults()).toEqual(before);
  });

  it('does not classify its own results (they do not re-trigger, and a stray event for one is ignored)', async () => {
    const keys = await storedResults();
    const record = JSON.parse(deliveryFor(`uploads/${photos[0]}`)!.body) as { Records: Array<{ s3: { object: { key: string } } }> };
    record.Records[0]!.s3.object.key = keys[0]!;
    const res = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outcomes: Array<{ status: string }> }).outcomes[0]?.status).toBe('ignored');
    expect(await storedResults()).toEqual(keys);
  });
});
