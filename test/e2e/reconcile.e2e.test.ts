// Issue 12 on the real RGW: uploads whose notifications RGW lost (non-persistent topic, endpoint down)
// are found by `configure-notify reconcile` and classified by the real built classify, exactly once;
// deleted results are restored; a model-version change re-classifies only when asked to.
import { readFile, readdir } from 'node:fs/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../functions/configure-notify/src/cli.ts';
import { freePort, startFunction, type RunningFunction } from '../support/function-process.ts';
import { sharedPath } from '../support/paths.ts';
import { awsEnvFor, rgwAccess, s3For, snsFor, uniqueName } from '../support/rgw-clients.ts';

const MODEL = 'mobilenet_v1_0.75_224';
const UPLOADS = 20;

describe('reconcile on the real RGW', () => {
  const rgw = rgwAccess();
  const bucket = uniqueName('e2e-reconcile');
  let s3: S3Client;
  let sns: SNSClient;
  let classify: RunningFunction | undefined;
  const keys: string[] = [];

  const startClassify = async (version: string): Promise<RunningFunction> =>
    startFunction('classify', { ...awsEnvFor(rgw), MODEL_URL: `file://${sharedPath(`models/${MODEL}/model.json`)}`, MODEL_VERSION: version, TF_BACKEND: 'wasm' });

  /** Runs the CLI as a user would; returns its exit code and the JSON report. */
  async function reconcile(...args: string[]): Promise<{ code: number; report: { seen: number; done: number; sent: number; failed: number }; err: string }> {
    let out = '';
    let err = '';
    const code = await main(['reconcile', '--bucket', bucket, '-o', 'json', '--suffix', '.jpg', '--target', classify!.url, '--rate', '50', ...args], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: { ...process.env, ...awsEnvFor(rgw) },
      readStdin: () => Promise.resolve(''),
    });
    process.stderr.write(`[reconcile] ${args.join(' ') || '(any model)'} → ${out.trim()}\n`);
    return { code, report: JSON.parse(out || '{}') as { seen: number; done: number; sent: number; failed: number }, err };
  }

  async function results(): Promise<Array<{ key: string; object: string; model: string }>> {
    const found: Array<{ key: string; object: string; model: string }> = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'results/', ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) {
        const doc = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString()) as { object: { key: string }; model: { name: string; version: string } };
        found.push({ key: o.Key!, object: doc.object.key, model: `${doc.model.name}@${doc.model.version}` });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  beforeAll(async () => {
    s3 = s3For(rgw);
    sns = snsFor(rgw);
    // Nothing listens on this port: RGW's push fails, and a non-persistent topic drops the event.
    const down = `http://127.0.0.1:${await freePort()}/`;
    const topic = await sns.send(new CreateTopicCommand({ Name: uniqueName('e2e-reconcile'), Attributes: { 'push-endpoint': down } }));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          TopicConfigurations: [{ Id: 'classify-jpg', TopicArn: topic.TopicArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jpg' }] } } }],
        },
      }),
    );
    const photos = (await readdir(sharedPath('images'))).filter((f) => f.endsWith('.jpg')).sort();
    for (let i = 0; i < UPLOADS; i++) {
      const photo = photos[i % photos.length]!;
      const key = `uploads/${String(i).padStart(2, '0')}-${photo}`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(sharedPath('images', photo)), ContentType: 'image/jpeg' }));
      keys.push(key);
    }
    // outside the notification's filter: never classified, never counted
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'uploads/notes.txt', Body: 'not an image' }));
    classify = await startClassify('v1');
  });

  afterAll(async () => {
    await classify?.stop();
    s3?.destroy();
    sns?.destroy();
  });

  it('RGW lost the 20 notifications; a dry run counts them and sends nothing', async () => {
    expect(await results()).toEqual([]);
    const dry = await reconcile('--dry-run');
    expect(dry.report).toMatchObject({ seen: UPLOADS, done: 0, sent: UPLOADS, failed: 0 });
    expect(await results()).toEqual([]);
  });

  it('one reconcile classifies exactly those 20; a second sends nothing', async () => {
    const first = await reconcile('--concurrency', '4');
    expect(first.code).toBe(0);
    expect(first.report).toEqual(expect.objectContaining({ seen: UPLOADS, done: 0, sent: UPLOADS, failed: 0 }));
    const stored = await results();
    expect(stored.map((r) => r.object).sort()).toEqual([...keys].sort());
    expect(stored.map((r) => r.model)).toEqual(stored.map(() => `${MODEL}@v1`));
    const second = await reconcile();
    expect(second.report).toEqual(expect.objectContaining({ seen: UPLOADS, done: UPLOADS, sent: 0, failed: 0 }));
    expect(await results()).toHaveLength(UPLOADS);
  }, 600_000);

  it('5 deleted results are restored, and only those', async () => {
    const before = await results();
    const removed = before.slice(3, 8);
    for (const r of removed) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: r.key }));
    const run = await reconcile();
    expect(run.report).toEqual(expect.objectContaining({ seen: UPLOADS, done: UPLOADS - 5, sent: 5, failed: 0 }));
    const after = await results();
    expect(after.map((r) => r.key).sort()).toEqual(before.map((r) => r.key).sort());
  }, 300_000);

  it('after a model-version change, re-classifies on request and only on request', async () => {
    await classify!.stop();
    classify = await startClassify('v2');
    const unasked = await reconcile();
    expect(unasked.report).toEqual(expect.objectContaining({ done: UPLOADS, sent: 0 }));
    expect(await results()).toHaveLength(UPLOADS);
    const asked = await reconcile('--model', `${MODEL}@v2`);
    expect(asked.report).toEqual(expect.objectContaining({ seen: UPLOADS, done: 0, sent: UPLOADS, failed: 0 }));
    const stored = await results();
    expect(stored).toHaveLength(2 * UPLOADS);
    for (const version of ['v1', 'v2']) expect(stored.filter((r) => r.model === `${MODEL}@${version}`).map((r) => r.object).sort()).toEqual([...keys].sort());
    const again = await reconcile('--model', `${MODEL}@v2`);
    expect(again.report).toEqual(expect.objectContaining({ done: UPLOADS, sent: 0 }));
  }, 600_000);
});
