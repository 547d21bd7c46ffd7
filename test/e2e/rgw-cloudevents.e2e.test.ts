// RGW's own CloudEvents end to end: a topic with cloudevents=true pushes straight to the running classify
// function (no recorder, no adapter in between), from a non-persistent and from a persistent topic, and
// classify stores one result per photo saying how the event arrived. Runs on every release; what RGW
// sends differs by release, so the expectations say which and why:
//   18.2: a binary-mode CloudEvent (ce-id = <x-amz-request-id>.<x-amz-id-2>, type com.amazonaws.<eventName>);
//   16.2: the flag is stored and ignored (cloudevents came with 17): a plain {"Records":[…]} POST.
import { readFile } from 'node:fs/promises';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketNotificationConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type RunningFunction } from '../support/function-process.ts';
import { expectedTop1, firstName } from '../support/images.ts';
import { sharedPath } from '../support/paths.ts';
import { waitFor } from '../support/recorder.ts';
import { awsEnvFor, cephMajor, rgwAccess, s3For, snsFor, uniqueName } from '../support/rgw-clients.ts';

interface StoredResult {
  object: { bucket: string; key: string };
  top: { label: string };
  event: { delivery: 'http' | 'cloudevent'; id?: string; type?: string; eventName: string };
}

const rgw = rgwAccess();
const nativeCloudEvents = cephMajor(rgw) >= 17;

describe(`RGW ${rgw.release} topics with cloudevents=true pushing to classify`, () => {
  let s3: S3Client;
  let sns: SNSClient;
  let fn: RunningFunction;
  const expected = expectedTop1();
  // created before classify starts: a persistent topic's queue is picked up at RGW's next queue scan
  // (every 30 s), so the sooner it exists the less the upload waits
  const topics: Record<'persistent' | 'non-persistent', { bucket: string; arn?: string }> = {
    'persistent': { bucket: uniqueName('ce-persistent') },
    'non-persistent': { bucket: uniqueName('ce-sync') },
  };

  beforeAll(async () => {
    s3 = s3For(rgw);
    sns = snsFor(rgw);
    fn = await startFunction('classify', { ...awsEnvFor(rgw), MODEL_URL: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}` });
    for (const [kind, t] of Object.entries(topics)) {
      const attributes: Record<string, string> = { 'push-endpoint': `${fn.url}/`, 'cloudevents': 'true' };
      if (kind === 'persistent') attributes.persistent = 'true';
      t.arn = (await sns.send(new CreateTopicCommand({ Name: uniqueName(`ce-${kind}`), Attributes: attributes }))).TopicArn;
      await s3.send(new CreateBucketCommand({ Bucket: t.bucket }));
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: t.bucket,
          NotificationConfiguration: { TopicConfigurations: [{ Id: 'classify', TopicArn: t.arn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } } }] },
        }),
      );
    }
  });

  afterAll(async () => {
    await fn?.stop();
    s3?.destroy();
    sns?.destroy();
  });

  async function storedResult(bucket: string, key: string): Promise<StoredResult | undefined> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `results/${key}/` }));
    const resultKey = listed.Contents?.[0]?.Key;
    if (!resultKey) return undefined;
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: resultKey }));
    return JSON.parse(await got.Body!.transformToString()) as StoredResult;
  }

  it.each([
    ['non-persistent', 'dog.jpg', 10_000],
    // a new persistent queue: first delivery after RGW's next queue scan (≤ 30 s), then milliseconds
    ['persistent', 'kite.jpg', 75_000],
  ] as const)('%s topic: classify gets the event and stores one result for %s', { timeout: 90_000 }, async (kind, photo, timeoutMs) => {
    const { bucket } = topics[kind];
    const key = `in/${photo}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(sharedPath('images', photo)), ContentType: 'image/jpeg' }));
    const t0 = performance.now();
    const result = await waitFor(() => storedResult(bucket, key), timeoutMs, `classify's result for ${kind} ${key}`);
    process.stderr.write(`[e2e rgw ${rgw.release}] ${kind} cloudevents topic: result stored ${Math.round(performance.now() - t0)} ms after PutObject returned\n`);
    expect(result.object).toMatchObject({ bucket, key });
    expect(firstName(result.top.label)).toBe(expected.get(photo));
    if (nativeCloudEvents) {
      // RGW 17+ sends the event as a binary-mode CloudEvent; classify records its attributes
      expect(result.event.delivery).toBe('cloudevent');
      expect(result.event.type).toBe('com.amazonaws.ObjectCreated:Put');
      // ce-id: <the record's x-amz-request-id>.<x-amz-id-2>, the latter <n>-<zonegroup>-<zone> (test/rgw/rgw.test.ts)
      expect(result.event.id).toMatch(/^\S+\.\d+-default-default$/);
    } else {
      // RGW 16 ignores cloudevents=true: a plain JSON POST, which classify takes as HTTP delivery
      expect(result.event.delivery).toBe('http');
      expect(result.event.type).toBeUndefined();
    }
    expect(result.event.eventName).toBe('ObjectCreated:Put');
  });
});
