// classify served by faas-js-runtime on a free port, called over HTTP the ways its senders call it:
// RGW's plain POST, CephSource / RGW 17 / Broker CloudEvents (binary and structured), func invoke.
import { readFile } from 'node:fs/promises';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CloudEvent, HTTP } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type RunningFunction } from '../../../test/support/function-process.ts';
import { sharedPath } from '../../../test/support/paths.ts';
import { awsEnvFor, rgwAccess, s3For, uniqueName } from '../../../test/support/rgw-clients.ts';
import { FAILED_EVENT_TYPE, OBJECT_CREATED_TYPE_PREFIX, RESULT_EVENT_TYPE } from '../src/events/types.ts';
import type { RgwRecord } from '../../../packages/local/src/s3-server/notifications/records.ts';
import { cephSourceEvent as cephSourceOf } from '../../../test/support/cephsource.ts';

const cephSourceEvent = (record: Record<string, unknown>) => cephSourceOf(record as unknown as RgwRecord);

const capture = JSON.parse(await readFile(sharedPath('reference/ceph-rgw-16.2/samples/non-persistent.json'), 'utf8')) as {
  body: { Records: [Record<string, unknown> & { s3: { bucket: { name: string }; object: Record<string, unknown> } }] };
};

/** The real RGW record, pointed at an object of ours. */
function rgwRecord(bucket: string, key: string, eTag: string, eventName = 'ObjectCreated:Put'): Record<string, unknown> {
  const record = structuredClone(capture.body.Records[0]);
  record.eventName = eventName;
  record.s3.bucket.name = bucket;
  record.s3.object = { ...record.s3.object, key, eTag, size: 1 };
  return record;
}

async function replyEvent(res: Response): Promise<CloudEvent<{ top: { label: string }; resultKey: string }>> {
  return HTTP.toEvent({ headers: Object.fromEntries(res.headers), body: await res.text() }) as CloudEvent<{ top: { label: string }; resultKey: string }>;
}

async function send(url: string, message: { headers: Record<string, unknown>; body: unknown }): Promise<Response> {
  return fetch(url, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
}

describe('classify over HTTP (faas-js-runtime, real RGW)', () => {
  const rgw = rgwAccess();
  let s3: S3Client;
  let fn: RunningFunction;
  const bucket = uniqueName('it-classify');
  const eTags = new Map<string, string>();

  async function upload(key: string, body: Uint8Array | string): Promise<string> {
    const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const eTag = (out.ETag ?? '').replace(/"/g, '');
    eTags.set(key, eTag);
    return eTag;
  }
  async function results(key: string): Promise<string[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `results/${key}/` }));
    return (listed.Contents ?? []).map((o) => o.Key ?? '');
  }

  beforeAll(async () => {
    s3 = s3For(rgw);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const name of ['dog.jpg', 'kite.jpg', 'giraffe.jpg', 'eagle.jpg', 'horses.jpg']) await upload(name, await readFile(sharedPath('images', name)));
    await upload('notes.txt', 'plain text, not a picture');
    fn = await startFunction('classify', { ...awsEnvFor(rgw), MODEL_URL: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}` });
  });
  afterAll(async () => {
    await fn?.stop();
    s3?.destroy();
  });

  it('answers a plain RGW POST {"Records":[…]} with 200 and stores the result', async () => {
    const res = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [rgwRecord(bucket, 'dog.jpg', eTags.get('dog.jpg')!)] }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outcomes: Array<{ status: string; top: { label: string } }> };
    expect(body.outcomes[0]?.status).toBe('classified');
    expect(body.outcomes[0]?.top.label).toMatch(/^malamute/);
    expect(await results('dog.jpg')).toHaveLength(1);
  });

  it('replies to a CephSource binary CloudEvent with a result event of a type its trigger cannot match', async () => {
    const res = await send(fn.url, HTTP.binary(cephSourceEvent(rgwRecord(bucket, 'kite.jpg', eTags.get('kite.jpg')!))));
    expect(res.status).toBe(200);
    const reply = HTTP.toEvent({ headers: Object.fromEntries(res.headers), body: await res.text() }) as CloudEvent<{ top: { label: string }; resultKey: string }>;
    expect(reply.type).toBe(RESULT_EVENT_TYPE);
    expect(reply.type.startsWith(OBJECT_CREATED_TYPE_PREFIX)).toBe(false);
    expect(reply.subject).toBe('kite.jpg');
    expect(reply.bmlconfidence).toBe('high');
    expect(reply.data?.top.label).toMatch(/^parachute/);
    expect(await results('kite.jpg')).toEqual([reply.data?.resultKey]);
  });

  it('handles a structured-mode CloudEvent, and RGW 17 style (binary, Records body, dotted id)', async () => {
    const structured = cephSourceEvent(rgwRecord(bucket, 'giraffe.jpg', eTags.get('giraffe.jpg')!));
    const res1 = await send(fn.url, HTTP.structured(structured));
    expect(res1.status).toBe(200);
    expect(res1.headers.get('ce-type')).toBe(RESULT_EVENT_TYPE);

    const record = rgwRecord(bucket, 'eagle.jpg', eTags.get('eagle.jpg')!);
    const rgw17 = new CloudEvent({
      id: 'req-1.id2-1',
      type: 'com.amazonaws.ObjectCreated:Put',
      source: 'ceph:s3..' + bucket,
      subject: 'eagle.jpg',
      datacontenttype: 'application/json',
      data: { Records: [record] },
    });
    const res2 = await send(fn.url, HTTP.binary(rgw17));
    expect(res2.status).toBe(200);
    expect(res2.headers.get('ce-subject')).toBe('eagle.jpg');
  });

  it('answers a Broker re-delivery with the same result event (same id, same data) and stores no second result', async () => {
    const event = cephSourceEvent(rgwRecord(bucket, 'horses.jpg', eTags.get('horses.jpg')!));
    const first = await send(fn.url, HTTP.binary(event));
    expect(first.status).toBe(200);
    const firstReply = await replyEvent(first);
    // the first attempt may have timed out at the Broker after the work was done: the retry must still carry the result
    const redelivered = event.cloneWith({ knativearrivaltime: new Date().toISOString(), knativebrokerttl: '255' } as Partial<CloudEvent<Record<string, unknown>>>);
    const again = await send(fn.url, HTTP.binary(redelivered));
    expect(again.status).toBe(200);
    const againReply = await replyEvent(again);
    expect(againReply.id).toBe(firstReply.id);
    expect(againReply.type).toBe(RESULT_EVENT_TYPE);
    expect(againReply.source).toBe(firstReply.source);
    expect(againReply.subject).toBe('horses.jpg');
    expect(againReply.bmlconfidence).toBe(firstReply.bmlconfidence);
    expect(againReply.data).toEqual(firstReply.data);
    // in structured mode too
    const structured = await send(fn.url, HTTP.structured(redelivered));
    expect(structured.status).toBe(200);
    expect((await replyEvent(structured)).data).toEqual(firstReply.data);
    expect(await results('horses.jpg')).toEqual([firstReply.data?.resultKey]);
  });

  it('answers a plain HTTP re-delivery with 200 and a JSON duplicate summary', async () => {
    const body = JSON.stringify({ Records: [rgwRecord(bucket, 'dog.jpg', eTags.get('dog.jpg')!)] });
    const res = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('ce-type')).toBeNull();
    const summary = (await res.json()) as { outcomes: Array<{ status: string; resultKey: string; top: { label: string } }> };
    expect(summary.outcomes[0]).toMatchObject({ status: 'duplicate', resultKey: (await results('dog.jpg'))[0] });
    expect(summary.outcomes[0]?.top.label).toMatch(/^malamute/);
  });

  it('answers the default func invoke event with a 400 that says what to send', async () => {
    const res = await send(fn.url, HTTP.binary(new CloudEvent({ type: 'boson.fn', source: '/boson/fn', data: { message: 'Hello World' } })));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unsupported_event');
    expect(body.error.message).toContain('"Records"');
    const plain = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"Hello World"}' });
    expect(plain.status).toBe(400);
  });

  it('maps permanent failures to 4xx with a JSON body naming the problem', async () => {
    const txt = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [rgwRecord(bucket, 'notes.txt', eTags.get('notes.txt')!)] }) });
    expect(txt.status).toBe(415);
    expect(((await txt.json()) as { error: { code: string } }).error.code).toBe('not_an_image');

    const gone = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [rgwRecord(bucket, 'never-uploaded.jpg', 'abc')] }) });
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('object_gone');

    // The object was overwritten after the event: the event's version no longer exists.
    const oldTag = await upload('changing.jpg', await readFile(sharedPath('images/dog.jpg')));
    await upload('changing.jpg', await readFile(sharedPath('images/kite.jpg')));
    const stale = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [rgwRecord(bucket, 'changing.jpg', oldTag)] }) });
    expect(stale.status).toBe(412);
    // no result, a failure document instead (named by the event's version), which the summary names
    const staleFailures = await results('changing.jpg');
    expect(staleFailures).toEqual([expect.stringMatching(new RegExp(`/etag-${oldTag}/.*\\.failed\\.json$`))]);
    expect(((await stale.json()) as { outcomes: Array<{ resultKey: string }> }).outcomes[0]?.resultKey).toBe(staleFailures[0]);

    const malformed = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [{ s3: { bucket: {} } }] }) });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(await malformed.json())).toContain('Records.0.s3');
  });

  it('acknowledges a CloudEvent that is not object creation with an empty 2xx, and stores nothing', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'notes.txt' }));
    for (const message of [HTTP.binary(cephSourceEvent(rgwRecord(bucket, 'notes.txt', 'x', 'ObjectRemoved:Delete'))), HTTP.structured(cephSourceEvent(rgwRecord(bucket, 'notes.txt', 'x', 'ObjectRemoved:Delete')))]) {
      const res = await send(fn.url, message);
      expect(res.status).toBe(204);
      expect(res.headers.get('ce-type')).toBeNull();
      expect(res.headers.get('ce-specversion')).toBeNull();
      expect(await res.text()).toBe('');
    }
    // a stored result's own notification, too (RGW 17 style: a Records document)
    const resultKey = (await results('dog.jpg'))[0]!;
    const own = new CloudEvent({ id: 'r.1', type: 'com.amazonaws.ObjectCreated:Put', source: 'ceph:s3..' + bucket, subject: resultKey, datacontenttype: 'application/json', data: { Records: [rgwRecord(bucket, resultKey, 'y')] } });
    const res = await send(fn.url, HTTP.binary(own));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    // nothing beyond the failure document of the earlier test's delivery (notes.txt is not an image)
    expect((await results('notes.txt')).filter((k) => !k.endsWith('.failed.json'))).toHaveLength(0);
  });

  it('acknowledges a plain HTTP event that is not object creation with 200 and a JSON summary', async () => {
    const res = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [rgwRecord(bucket, 'notes.txt', 'x', 'ObjectRemoved:Delete')] }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outcomes: Array<{ status: string }> }).outcomes[0]?.status).toBe('ignored');
  });

  it('answers a CloudEvent for an object deleted before it was read with 200 and a failed event (not a status a Broker dead-letters)', async () => {
    const eTag = await upload('vanished.jpg', await readFile(sharedPath('images/dog.jpg')));
    const record = rgwRecord(bucket, 'vanished.jpg', eTag);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'vanished.jpg' }));
    const ids = new Set<string>();
    for (const message of [HTTP.binary(cephSourceEvent(record)), HTTP.binary(new CloudEvent({ id: 'v.1', type: 'com.amazonaws.ObjectCreated:Put', source: 'ceph:s3..' + bucket, datacontenttype: 'application/json', data: { Records: [record] } }))]) {
      const res = await send(fn.url, message);
      expect(res.status).toBe(200);
      const reply = HTTP.toEvent({ headers: Object.fromEntries(res.headers), body: await res.text() }) as CloudEvent<{ error: { code: string; retryable: boolean }; resultKey: string }>;
      expect(reply.type).toBe(FAILED_EVENT_TYPE);
      expect(reply.subject).toBe('vanished.jpg');
      expect(reply.bmlerror).toBe('object_gone');
      expect(reply.data?.error).toMatchObject({ code: 'object_gone', retryable: false });
      ids.add(reply.id);
      expect(await results('vanished.jpg')).toEqual([reply.data?.resultKey]);
    }
    // one object version, one failure: the same id for both deliveries
    expect(ids.size).toBe(1);
  });

  it('carries the trace context in: the CloudEvent extension onto the reply and the stored result; the HTTP header of a direct POST into the stored result', async () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const eTag = await upload('traced.jpg', await readFile(sharedPath('images/dog.jpg')));
    const event = cephSourceEvent(rgwRecord(bucket, 'traced.jpg', eTag)).cloneWith({ traceparent: parent, tracestate: 'rojo=00f067aa0ba902b7' } as Partial<CloudEvent<Record<string, unknown>>>);
    const res = await send(fn.url, HTTP.binary(event));
    expect(res.status).toBe(200);
    expect(res.headers.get('ce-traceparent')).toBe(parent);
    expect(res.headers.get('ce-tracestate')).toBe('rojo=00f067aa0ba902b7');
    const reply = await replyEvent(res);
    const doc = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: reply.data!.resultKey }))).Body!.transformToString()) as { event: Record<string, string> };
    expect(doc.event).toMatchObject({ traceparent: parent, tracestate: 'rojo=00f067aa0ba902b7' });
    // a failure too, and from the plain header of a POST
    const other = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const txtTag = await upload('traced-text.jpg', 'not a picture');
    const post = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json', traceparent: other }, body: JSON.stringify({ Records: [rgwRecord(bucket, 'traced-text.jpg', txtTag)] }) });
    expect(post.status).toBe(415);
    const summary = (await post.json()) as { outcomes: Array<{ resultKey: string }> };
    const failure = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: summary.outcomes[0]!.resultKey }))).Body!.transformToString()) as { event: Record<string, string> };
    expect(failure.event.traceparent).toBe(other);
    // every line of those invocations carries the trace id
    const traced = fn.logs().filter((l) => l.key === 'traced.jpg' || l.key === 'traced-text.jpg');
    expect(traced.length).toBeGreaterThanOrEqual(2);
    for (const l of traced) expect(l.traceId).toBe(l.key === 'traced.jpg' ? parent.split('-')[1] : other.split('-')[1]);
  });

  it('every log line of an invocation carries its event id and object key', async () => {
    const eTag = await upload('correlated.jpg', await readFile(sharedPath('images/kite.jpg')));
    const before = fn.logs().length;
    const event = cephSourceEvent(rgwRecord(bucket, 'correlated.jpg', eTag));
    expect((await send(fn.url, HTTP.binary(event))).status).toBe(200);
    expect((await send(fn.url, HTTP.binary(event))).status).toBe(200);
    const post = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [rgwRecord(bucket, 'correlated.jpg', eTag)] }) });
    expect(post.status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    const lines = fn.logs().slice(before);
    const requestId = (capture.body.Records[0] as unknown as { responseElements: Record<string, string> }).responseElements['x-amz-request-id'];
    expect(lines.map((l) => [l.msg, l.eventId, l.bucket, l.key])).toEqual([
      ['classified', event.id, bucket, 'correlated.jpg'],
      ['duplicate delivery', event.id, bucket, 'correlated.jpg'],
      ['duplicate delivery', requestId, bucket, 'correlated.jpg'],
    ]);
  });

  it('refuses more records than MAX_RECORDS with 413 naming the limit, before reading any of them', async () => {
    const records = Array.from({ length: 11 }, (_, i) => rgwRecord(bucket, `batch/missing-${i}.jpg`, 'abc'));
    const plain = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: records }) });
    expect(plain.status).toBe(413);
    const body = (await plain.json()) as { error: { code: string; message: string; retryable: boolean } };
    expect(body.error).toMatchObject({ code: 'too_many_records', retryable: false });
    expect(body.error.message).toContain('at most 10 (MAX_RECORDS)');
    const event = new CloudEvent({ id: 'b.1', type: 'com.amazonaws.ObjectCreated:Put', source: 'ceph:s3..' + bucket, datacontenttype: 'application/json', data: { Records: records } });
    expect((await send(fn.url, HTTP.binary(event))).status).toBe(413);
    // nothing was read: not one "not classified" line for the batch
    expect(fn.logs().filter((l) => String(l.key ?? '').startsWith('batch/'))).toEqual([]);
  });

  it('stays live while inference keeps the event loop busy', async () => {
    const body = JSON.stringify({ Records: [rgwRecord(bucket, 'changing.jpg', eTags.get('changing.jpg')!)] });
    const work = Promise.all(Array.from({ length: 4 }, () => fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })));
    const probes = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 20));
      return (await fetch(`${fn.url}/health/liveness`)).status;
    }));
    expect(probes.every((s) => s === 200)).toBe(true);
    const statuses = (await work).map((r) => r.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await results('changing.jpg')).filter((k) => !k.endsWith('.failed.json'))).toHaveLength(1);
  });
});

describe('classify when the object store is unreachable', () => {
  it('answers 503 so Knative retries, and never leaks internals', async () => {
    const fn = await startFunction('classify', {
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', // discard port: nothing listens
      AWS_REGION: 'default',
      AWS_ACCESS_KEY_ID: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
      MODEL_URL: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}`,
    });
    try {
      const res = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [rgwRecord('any', 'dog.jpg', 'abc')] }) });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; retryable: boolean } };
      expect(body.error).toMatchObject({ code: 'storage_unavailable', retryable: true });
      expect(JSON.stringify(body)).not.toContain(' k');
    } finally {
      await fn.stop();
    }
  });

  it('refuses to start with a clear message when the configuration is invalid', async () => {
    await expect(startFunction('classify', { TOP_K: 'lots' }, 20_000)).rejects.toThrow(/MODEL_URL[\s\S]*TOP_K/);
  });
});
