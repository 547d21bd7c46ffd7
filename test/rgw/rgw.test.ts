// Proves the launcher's RGW really works: S3 round trip, and a bucket notification pushed end to end,
// plain and as a CloudEvent. Runs on every release (vitest.config.ts); where releases differ (measured),
// the expectation names the release.
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
import { cephMajor, rgwAccess } from '../support/rgw-clients.ts';

const rgw = rgwAccess();
const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

describe(`real Ceph RGW ${rgw.release}`, () => {
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

  /** An endpoint for RGW to push to (answers 200, so RGW counts the event as delivered). */
  async function receiver(): Promise<{ url: string; received: { req: IncomingMessage; body: string }[]; close(): Promise<void> }> {
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
    return {
      url: `http://127.0.0.1:${port}/hook`,
      received,
      close: async () => {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      },
    };
  }

  /** A bucket whose uploads notify a new non-persistent topic with these attributes. */
  async function notifyingBucket(name: string, attributes: Record<string, string>): Promise<{ bucket: string; topicArn: string }> {
    // SNS CreateTopic: form-encoded POST, SigV4-signed; push-endpoint is an RGW topic attribute.
    const topic = await sns.send(new CreateTopicCommand({ Name: `t-${name}-${suffix}`, Attributes: attributes }));
    expect(topic.TopicArn).toMatch(new RegExp(`^arn:aws:sns:[^:]*::t-${name}-`));
    const Bucket = `t-${name}-${suffix}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: { TopicConfigurations: [{ Id: 'created', TopicArn: topic.TopicArn, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
    return { bucket: Bucket, topicArn: topic.TopicArn! };
  }

  type EventRecord = { eventName: string; awsRegion: string; responseElements: Record<string, string>; s3: { configurationId: string; bucket: { name: string }; object: { key: string; size: number } } };

  it('pushes a {"Records":[...]} POST to the topic endpoint when an object is uploaded', async () => {
    const hook = await receiver();
    try {
      // Non-persistent topic: RGW pushes synchronously, before PutObject returns.
      const { bucket: Bucket, topicArn } = await notifyingBucket('notif', { 'push-endpoint': hook.url });
      await s3.send(new PutObjectCommand({ Bucket, Key: 'img/photo 1.jpg', Body: Buffer.alloc(1000, 1) }));

      // synchronous push: normally already there; allow a short grace period
      for (let i = 0; i < 50 && hook.received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(hook.received).toHaveLength(1);
      const { req, body } = hook.received[0]!;
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/hook');
      expect(req.headers['content-type']).toBe('application/json');
      expect(Object.keys(req.headers).filter((h) => h.startsWith('ce-'))).toEqual([]);
      const records = (JSON.parse(body) as { Records: EventRecord[] }).Records;
      expect(records).toHaveLength(1);
      const rec = records[0]!;
      expect(rec.eventName).toBe('ObjectCreated:Put'); // no "s3:" prefix (16.2 and 18.2)
      expect(rec.s3.bucket.name).toBe(Bucket);
      expect(rec.s3.object.key).toBe('img/photo 1.jpg'); // raw, not URL-encoded
      expect(rec.s3.object.size).toBe(1000);
      expect(rec.s3.configurationId).toBe('created');
      // the zonegroup's name from 18 on; empty on 16
      expect(rec.awsRegion).toBe(cephMajor(rgw) >= 18 ? 'default' : '');

      await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    } finally {
      await hook.close();
    }
  });

  it(`with cloudevents=true pushes ${cephMajor(rgw) >= 17 ? 'a binary-mode CloudEvent (17+)' : 'the same plain POST (16 ignores the flag)'}`, async () => {
    const hook = await receiver();
    try {
      const { bucket: Bucket, topicArn } = await notifyingBucket('ce', { 'push-endpoint': hook.url, 'cloudevents': 'true' });
      await s3.send(new PutObjectCommand({ Bucket, Key: 'dir/ce object.txt', Body: 'hello events!' }));
      for (let i = 0; i < 50 && hook.received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(hook.received).toHaveLength(1);
      const { req, body } = hook.received[0]!;
      expect(req.headers['content-type']).toBe('application/json');
      // the body is the whole Records document either way (not a bare record)
      const records = (JSON.parse(body) as { Records: EventRecord[] }).Records;
      expect(records.map((r) => r.s3.object.key)).toEqual(['dir/ce object.txt']);
      const ce = Object.fromEntries(Object.entries(req.headers).filter(([h]) => h.startsWith('ce-')));
      if (cephMajor(rgw) >= 17) {
        expect(ce).toMatchObject({
          'ce-specversion': '1.0',
          'ce-type': 'com.amazonaws.ObjectCreated:Put',
          'ce-source': `ceph:s3.default.${Bucket}`,
          'ce-subject': 'dir/ce object.txt',
        });
        // <the record's x-amz-request-id>.<x-amz-id-2> (not the tx… request id of the PutObject answer)
        const ids = records[0]!.responseElements;
        expect(ce['ce-id']).toBe(`${ids['x-amz-request-id']}.${ids['x-amz-id-2']}`);
        expect(Number.isNaN(Date.parse(String(ce['ce-time'])))).toBe(false);
      } else {
        expect(ce).toEqual({});
      }
      await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    } finally {
      await hook.close();
    }
  });
});
