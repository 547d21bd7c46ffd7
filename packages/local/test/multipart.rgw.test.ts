// The same multipart upload on the real Ceph RGW 16 and on the embedded server: the object's ETag and
// the ObjectCreated:CompleteMultipartUpload record each one pushes must agree, field by field.
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, PutBucketNotificationConfigurationCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Server } from '../src/s3-server/index.ts';
import { rgwAccess, s3For, snsFor, uniqueName } from '../../../test/support/rgw-clients.ts';
import { shape, startReceiver, startServer, until, type Received } from './helpers.ts';

const MiB = 1024 * 1024;
type Record = { [name: string]: unknown; s3: { object: { [name: string]: unknown; metadata: Array<{ key: string; val: string }> } } };

/** Two parts (S3's minimum 5 MiB, then a short last one) with metadata, completed; returns the ETag and the record pushed. */
async function multipartUpload(s3: S3Client, bucket: string, receiver: { received: Received[] }): Promise<{ etag: string; record: Record }> {
  const key = 'camera/IMG 0001.jpg';
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'image/jpeg', Metadata: { color: 'red' } }));
  const parts = [Buffer.alloc(5 * MiB, 1), Buffer.alloc(1000, 2)];
  const completed = [];
  for (const [i, body] of parts.entries()) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }));
    completed.push({ ETag, PartNumber: i + 1 });
  }
  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: completed } }));
  const [delivery] = await until(() => (receiver.received.length > 0 ? receiver.received : undefined), 10_000, `the notification from ${bucket}`);
  await new Promise((r) => setTimeout(r, 300));
  expect(receiver.received, 'one record for the whole upload').toHaveLength(1);
  const body = JSON.parse(delivery!.body) as { Records: Record[] };
  expect(body.Records).toHaveLength(1);
  // RGW 16 answers the ETag without quotes; S3 (and the embedded server) with them
  return { etag: done.ETag!.replace(/"/g, ''), record: body.Records[0]! };
}

describe('multipart upload on the real RGW and on the embedded server', () => {
  const rgw = rgwAccess();
  let rgwS3: S3Client;
  let server: S3Server;
  let localS3: S3Client;
  let fromRgw: Awaited<ReturnType<typeof startReceiver>>;
  let fromLocal: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    [fromRgw, fromLocal] = await Promise.all([startReceiver(), startReceiver()]);
    rgwS3 = s3For(rgw);
    server = await startServer();
    // the same client settings for both: what RGW 16 needs (no aws-chunked checksum trailers)
    localS3 = new S3Client({
      endpoint: server.url,
      region: rgw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test-key', secretAccessKey: 'test-secret' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  afterAll(async () => {
    rgwS3?.destroy();
    localS3?.destroy();
    await server?.close();
    await Promise.all([fromRgw?.close(), fromLocal?.close()]);
  });

  it('gives the same ETag and an ObjectCreated:CompleteMultipartUpload record of the same shape and content', async () => {
    const bucket = uniqueName('mpu');
    const sns = snsFor(rgw);
    try {
      const topic = await sns.send(new CreateTopicCommand({ Name: bucket, Attributes: { 'push-endpoint': fromRgw.url } }));
      await rgwS3.send(new CreateBucketCommand({ Bucket: bucket }));
      await rgwS3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: { TopicConfigurations: [{ Id: 'mpu', TopicArn: topic.TopicArn, Events: ['s3:ObjectCreated:*'] }] },
        }),
      );
    } finally {
      sns.destroy();
    }
    await server.ensureBucket(bucket);
    server.setBucketNotifications(bucket, [{ id: 'mpu', events: ['s3:ObjectCreated:*'], endpoint: fromLocal.url }]);

    const real = await multipartUpload(rgwS3, bucket, fromRgw);
    const local = await multipartUpload(localS3, bucket, fromLocal);

    expect(local.etag).toBe(real.etag);
    expect(real.etag).toMatch(/^[0-9a-f]{32}-2$/);
    expect(Object.keys(local.record)).toEqual(Object.keys(real.record));
    expect(Object.keys(local.record.s3.object)).toEqual(Object.keys(real.record.s3.object));
    expect(shape(local.record).sort()).toEqual(shape(real.record).sort());
    for (const r of [real.record, local.record]) {
      expect(r.eventName).toBe('ObjectCreated:CompleteMultipartUpload');
      expect(r.s3.object).toMatchObject({ key: 'camera/IMG 0001.jpg', size: 5 * MiB + 1000, eTag: real.etag, versionId: '', tags: [] });
      expect(r.eventId).toMatch(new RegExp(`^\\d+\\.\\d{6}\\.${real.etag}$`));
    }
    // metadata: the completing request's x-amz-* headers plus the user metadata given at creation
    const keys = (r: Record) => r.s3.object.metadata.map((m) => m.key);
    expect(keys(local.record)).toEqual(keys(real.record));
    expect(real.record.s3.object.metadata).toContainEqual({ key: 'x-amz-meta-color', val: 'red' });
    expect(local.record.s3.object.metadata).toContainEqual({ key: 'x-amz-meta-color', val: 'red' });
  });
});
