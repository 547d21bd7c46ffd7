// Bucket notifications of the embedded server, compared with what a real Ceph RGW 16.2 pushed
// (../shared/reference/ceph-rgw-16.2/samples) field by field, the CephSource CloudEvent variant,
// the filters, and delivery like a persistent topic: after the write, retried on 5xx, never on 4xx.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryEvent, S3Server } from '../src/s3-server/index.ts';
import { sharedPath } from '../../../test/support/paths.ts';
import { client, shape, startReceiver, startServer, until, type Received } from './helpers.ts';

interface Capture {
  rawHeaders: string[];
  body: { Records: Array<Record<string, unknown>> };
}
const sample = async (name: string): Promise<Capture> => JSON.parse(await readFile(sharedPath('reference/ceph-rgw-16.2/samples', name), 'utf8')) as Capture;

const recordOf = (r: Received): Record<string, unknown> & { s3: { object: Record<string, unknown>; bucket: Record<string, unknown>; configurationId: string } } => {
  const body = JSON.parse(r.body) as { Records: Array<never> };
  expect(body.Records).toHaveLength(1);
  return body.Records[0]!;
};

describe('bucket notifications as RGW 16 pushes them', () => {
  let server: S3Server;
  let s3: S3Client;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startServer();
    s3 = client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'notify-rgw' }));
    server.setBucketNotifications('notify-rgw', [
      { id: 'jpg-created', events: ['s3:ObjectCreated:*'], filter: { suffix: '.jpg' }, endpoint: receiver.url, opaqueData: 'opaque-np-123' },
      { id: 'all-removed', events: ['s3:ObjectRemoved:*'], endpoint: receiver.url, opaqueData: 'opaque-np-123' },
      { id: 'img-prefix', events: ['s3:ObjectCreated:Put'], filter: { prefix: 'img/', suffix: '.png' }, endpoint: receiver.url },
    ]);
  });
  afterEach(() => {
    receiver.received.length = 0;
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.close();
    await receiver?.close();
  });

  it('posts one record per request with the same fields, types and headers as the RGW 16 capture', async () => {
    const capture = await sample('non-persistent.json');
    const expected = capture.body.Records[0]!;
    await s3.send(new PutObjectCommand({ Bucket: 'notify-rgw', Key: 'photo.jpg', Body: Buffer.alloc(1000, 1), Metadata: { color: 'red' } }));
    const [delivery] = await until(() => (receiver.received.length > 0 ? receiver.received : undefined), 5000, 'the notification');
    const record = recordOf(delivery!);

    expect(shape(record).sort()).toEqual(shape(expected).sort());
    expect(Object.keys(record)).toEqual(Object.keys(expected)); // same order too
    expect(Object.keys(record.s3.object)).toEqual(Object.keys((expected.s3 as { object: object }).object));
    expect(record).toMatchObject({
      eventVersion: '2.2',
      eventSource: 'ceph:s3',
      awsRegion: '',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'test-key' },
      requestParameters: { sourceIPAddress: '' },
      opaqueData: 'opaque-np-123',
    });
    expect(record.s3).toMatchObject({
      s3SchemaVersion: '1.0',
      configurationId: 'jpg-created',
      bucket: { name: 'notify-rgw', ownerIdentity: { principalId: 'test-key' }, arn: 'arn:aws:s3:::notify-rgw' },
      object: { key: 'photo.jpg', size: 1000, eTag: createHash('md5').update(Buffer.alloc(1000, 1)).digest('hex'), versionId: '', tags: [] },
    });
    expect(record.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(record.eventId).toMatch(new RegExp(`^\\d{10}\\.\\d{6}\\.${String(record.s3.object.eTag)}$`));
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]{16}$/);
    expect((record.responseElements as Record<string, string>)['x-amz-request-id']).toMatch(/^[0-9a-f-]{36}\.\d+\.\d+$/);
    // metadata: the request's x-amz-* headers, as RGW 16 reports them, sorted
    const metadata = record.s3.object.metadata as Array<{ key: string; val: string }>;
    const keys = metadata.map((m) => m.key);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(expect.arrayContaining(['x-amz-content-sha256', 'x-amz-date', 'x-amz-meta-color', 'x-amz-user-agent']));
    expect(metadata.find((m) => m.key === 'x-amz-meta-color')?.val).toBe('red');

    // the HTTP request itself: POST, application/json, and the headers RGW's libcurl sends
    expect(delivery!.method).toBe('POST');
    expect(delivery!.url).toBe('/push');
    expect(delivery!.headers['content-type']).toBe('application/json');
    const sentHeaders = new Set(delivery!.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase()));
    for (const h of capture.rawHeaders.filter((_, i) => i % 2 === 0)) expect(sentHeaders.has(h.toLowerCase())).toBe(true);
    expect(Number(delivery!.headers['content-length'])).toBe(Buffer.byteLength(delivery!.body));
  });

  it('sends removal records like RGW (size and eTag of the removed object), for DeleteObject and DeleteObjects', async () => {
    const capture = await sample('non-persistent-removed.json');
    await s3.send(new PutObjectCommand({ Bucket: 'notify-rgw', Key: 'notes.txt', Body: 'x'.repeat(1000) }));
    await s3.send(new PutObjectCommand({ Bucket: 'notify-rgw', Key: 'other.txt', Body: 'y' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'notify-rgw', Key: 'notes.txt' }));
    await s3.send(new DeleteObjectsCommand({ Bucket: 'notify-rgw', Delete: { Objects: [{ Key: 'other.txt' }, { Key: 'never-existed.txt' }] } }));
    await until(() => receiver.received.length >= 2, 5000, 'two removal notifications');
    await new Promise((r) => setTimeout(r, 200));
    const records = receiver.received.map(recordOf);
    expect(records.map((r) => [r.eventName, r.s3.object.key]).sort()).toEqual([
      ['ObjectRemoved:Delete', 'notes.txt'],
      ['ObjectRemoved:Delete', 'other.txt'],
    ]);
    const removed = records.find((r) => r.s3.object.key === 'notes.txt')!;
    expect(shape(removed).sort()).toEqual(shape(capture.body.Records[0]).sort());
    expect(removed.s3.object.size).toBe(1000);
    expect(removed.s3.configurationId).toBe('all-removed');
  });

  it('applies event and key filters (prefix and suffix, case-sensitive) and reports copies as ObjectCreated:Copy', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'notify-rgw', Key: 'img/a.png', Body: 'png' }));
    await s3.send(new PutObjectCommand({ Bucket: 'notify-rgw', Key: 'other/a.png', Body: 'png' }));
    await s3.send(new PutObjectCommand({ Bucket: 'notify-rgw', Key: 'UPPER.JPG', Body: 'jpg' }));
    await s3.send(new PutObjectCommand({ Bucket: 'notify-rgw', Key: 'notes.md', Body: 'text' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'notify-rgw', Key: 'copied.jpg', CopySource: 'notify-rgw/img/a.png' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'notify-rgw', Key: 'img/copied.png', CopySource: 'notify-rgw/img/a.png' }));
    await until(() => receiver.received.length >= 2, 5000, 'notifications');
    await new Promise((r) => setTimeout(r, 200));
    const got = receiver.received.map(recordOf).map((r) => `${r.s3.configurationId} ${r.eventName} ${String(r.s3.object.key)}`).sort();
    // img-prefix takes only Put, so the copy to img/copied.png is not sent
    expect(got).toEqual(['img-prefix ObjectCreated:Put img/a.png', 'jpg-created ObjectCreated:Copy copied.jpg']);
  });
});

describe('bucket notifications as eventing-ceph CephSource CloudEvents', () => {
  it('sends a binary-mode CloudEvent per record: id, source, type, subject, time, and the Go-shaped record as data', async () => {
    const receiver = await startReceiver();
    const server = await startServer();
    const s3 = client(server);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'notify-cs' }));
      server.setBucketNotifications('notify-cs', [{ id: 'jpg', events: ['s3:ObjectCreated:*'], filter: { suffix: '.jpg' }, endpoint: receiver.url, format: 'cephsource' }]);
      await s3.send(new PutObjectCommand({ Bucket: 'notify-cs', Key: 'dir/with space & <amp>.jpg', Body: 'jpeg?' }));
      const [d] = await until(() => (receiver.received.length > 0 ? receiver.received : undefined), 5000, 'the CloudEvent');
      const h = d!.headers;
      const data = JSON.parse(d!.body) as Record<string, unknown> & { responseElements: Record<string, string>; s3: { object: Record<string, unknown> } };
      expect(h['ce-specversion']).toBe('1.0');
      expect(h['ce-type']).toBe('com.amazonaws.ObjectCreated:Put');
      expect(h['ce-source']).toBe('ceph:s3..notify-cs');
      expect(h['ce-subject']).toBe('dir/with space & <amp>.jpg');
      const ids = data.responseElements as Record<string, string>;
      expect(h['ce-id']).toBe(`${ids['x-amz-request-id']}${ids['x-amz-id-2']}`);
      expect(h['ce-time']).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
      expect(h['content-type']).toBe('application/json');
      // Go marshals the record from eventing-ceph's struct: no tags or opaqueData, metadata values lost, HTML-safe escapes
      const rgw = (await sample('non-persistent.json')).body.Records[0]!;
      const { opaqueData: _o, ...withoutOpaque } = rgw;
      const goShape = shape(withoutOpaque)
        .filter((p) => !p.startsWith('s3.object.tags') && !p.startsWith('s3.object.metadata[].val'))
        .concat('s3.object.metadata[].value:string')
        .sort();
      expect(shape(data).sort()).toEqual(goShape);
      expect((data.s3.object.metadata as Array<{ value: string }>).every((m) => m.value === '')).toBe(true);
      expect(d!.body).toContain('\\u0026 \\u003camp\\u003e');
      expect(data.eventName).toBe('ObjectCreated:Put');
    } finally {
      s3.destroy();
      await server.close();
      await receiver.close();
    }
  });
});

describe('notification delivery like a persistent topic', () => {
  const events: DeliveryEvent[] = [];
  let server: S3Server;
  let s3: S3Client;

  beforeAll(async () => {
    server = await startServer({ notifications: { initialDelayMs: 50, maxDelayMs: 400, onEvent: (e) => events.push(e) } });
    s3 = client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'retry' }));
  });
  afterEach(() => {
    events.length = 0;
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.close();
  });

  it('answers the upload before delivering, then retries 5xx with growing delays until a 2xx', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const receiver = await startReceiver(async (_r, n) => {
      if (n === 1) await gate; // the first attempt hangs until the upload has returned
      return n < 4 ? 503 : 200;
    });
    try {
      server.setBucketNotifications('retry', [{ id: 'all', events: ['s3:ObjectCreated:*'], endpoint: receiver.url }]);
      await s3.send(new PutObjectCommand({ Bucket: 'retry', Key: 'a.jpg', Body: 'a' }));
      release(); // the PUT completed while its notification was still unanswered
      await until(() => events.find((e) => e.outcome === 'delivered'), 10_000, 'delivery');
      expect(receiver.received).toHaveLength(4);
      expect(events.map((e) => `${e.outcome}:${e.status}`)).toEqual(['retrying:503', 'retrying:503', 'retrying:503', 'delivered:200']);
      const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at);
      expect(gaps[1]!).toBeGreaterThan(gaps[0]! * 1.2); // backoff grows (jitter is ±20 %)
      expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1); // the same record every time
    } finally {
      await receiver.close();
    }
  });

  it('never retries a 4xx: the receiver refused the record for good', async () => {
    const receiver = await startReceiver(() => 422);
    try {
      server.setBucketNotifications('retry', [{ id: 'all', events: ['s3:ObjectCreated:*'], endpoint: receiver.url }]);
      await s3.send(new PutObjectCommand({ Bucket: 'retry', Key: 'b.jpg', Body: 'b' }));
      await until(() => events.find((e) => e.outcome === 'rejected'), 5000, 'rejection');
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.received).toHaveLength(1);
      expect(events.map((e) => e.outcome)).toEqual(['rejected']);
      expect(events[0]).toMatchObject({ status: 422, attempt: 1, key: 'b.jpg' });
    } finally {
      await receiver.close();
    }
  });

  it('retries while the endpoint refuses connections, and delivers once it is up', async () => {
    const port = await (async () => {
      const probe = await startReceiver();
      const p = probe.port;
      await probe.close();
      return p;
    })();
    server.setBucketNotifications('retry', [{ id: 'all', events: ['s3:ObjectCreated:*'], endpoint: `http://127.0.0.1:${port}/late` }]);
    await s3.send(new PutObjectCommand({ Bucket: 'retry', Key: 'c.jpg', Body: 'c' }));
    await until(() => events.filter((e) => e.outcome === 'retrying').length >= 2, 5000, 'two failed attempts');
    expect(events[0]?.error).toMatch(/ECONNREFUSED/);
    const { createServer } = await import('node:http');
    const late = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => late.listen(port, '127.0.0.1', r));
    try {
      await until(() => events.find((e) => e.outcome === 'delivered'), 10_000, 'delivery once the endpoint is up');
    } finally {
      late.closeAllConnections();
      await new Promise((r) => late.close(r));
    }
  });

  it('gives up after maxAttempts and says so', async () => {
    const limited = await startServer({ notifications: { initialDelayMs: 20, maxAttempts: 3, onEvent: (e) => events.push(e) } });
    const receiver = await startReceiver(() => 500);
    const c = client(limited);
    try {
      await c.send(new CreateBucketCommand({ Bucket: 'limited' }));
      limited.setBucketNotifications('limited', [{ id: 'all', events: ['s3:ObjectCreated:*'], endpoint: receiver.url }]);
      await c.send(new PutObjectCommand({ Bucket: 'limited', Key: 'd.jpg', Body: 'd' }));
      await until(() => events.find((e) => e.outcome === 'dropped'), 5000, 'giving up');
      expect(receiver.received).toHaveLength(3);
      await limited.notifications.idle();
    } finally {
      c.destroy();
      await limited.close();
      await receiver.close();
    }
  });
});
