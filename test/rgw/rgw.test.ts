// Proves the launcher's RGW really works: S3 round trip, and a bucket notification pushed end to end.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { rgwAccess } from '../support/rgw-clients.ts';

const rgw = rgwAccess();
const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

describe('real Ceph RGW', () => {
  const credentials = { accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey };
  const s3 = new S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region,
    credentials,
    forcePathStyle: true,
    // RGW 16 rejects aws-chunked uploads with checksum trailers (411 MissingContentLength)
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sns = new SNSClient({ endpoint: rgw.endpoint, region: rgw.region, credentials });
  afterAll(() => {
    s3.destroy();
    sns.destroy();
  });

  it('creates a bucket, puts, gets and lists an object', async () => {
    const Bucket = `t-s3-${suffix}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'dir/hello.txt', Body: 'hello rgw', ContentType: 'text/plain' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'dir/hello.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello rgw');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['dir/hello.txt']);
  });

  it('pushes a {"Records":[...]} POST to the topic endpoint when an object is uploaded', async () => {
    // receiver for the push; answers 200 so RGW counts the event as delivered
    const received: { req: IncomingMessage; body: string }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        received.push({ req, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      // SNS CreateTopic: form-encoded POST, SigV4-signed; push-endpoint is an RGW topic attribute.
      // Non-persistent topic: RGW pushes synchronously, before PutObject returns.
      const topic = await sns.send(
        new CreateTopicCommand({ Name: `t-topic-${suffix}`, Attributes: { 'push-endpoint': `http://127.0.0.1:${port}/hook` } }),
      );
      expect(topic.TopicArn).toMatch(/^arn:aws:sns:[^:]*::t-topic-/);

      const Bucket = `t-notif-${suffix}`;
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: {
            TopicConfigurations: [{ Id: 'created', TopicArn: topic.TopicArn, Events: ['s3:ObjectCreated:*'] }],
          },
        }),
      );
      await s3.send(new PutObjectCommand({ Bucket, Key: 'img/photo 1.jpg', Body: Buffer.alloc(1000, 1) }));

      // synchronous push: normally already there; allow a short grace period
      for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(received).toHaveLength(1);
      const { req, body } = received[0]!;
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/hook');
      expect(req.headers['content-type']).toBe('application/json');
      type EventRecord = { eventName: string; s3: { configurationId: string; bucket: { name: string }; object: { key: string; size: number } } };
      const records = (JSON.parse(body) as { Records: EventRecord[] }).Records;
      expect(records).toHaveLength(1);
      const rec = records[0]!;
      expect(rec.eventName).toBe('ObjectCreated:Put'); // no "s3:" prefix in Ceph 16
      expect(rec.s3.bucket.name).toBe(Bucket);
      expect(rec.s3.object.key).toBe('img/photo 1.jpg'); // raw, not URL-encoded
      expect(rec.s3.object.size).toBe(1000);
      expect(rec.s3.configurationId).toBe('created');

      await sns.send(new DeleteTopicCommand({ TopicArn: topic.TopicArn }));
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
