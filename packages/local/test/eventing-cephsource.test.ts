// The CephSource adapter stand-in against eventing-ceph's pkg/adapter/adapter.go, fed with what RGW
// really sends (the RGW 18 capture's records, RGW 16 records as the embedded server writes them).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CephSourceAdapter, EventDisplay, jsonData } from '../src/eventing/index.ts';
import { cephSourceTime } from '../src/eventing/ceph-notification.ts';
import { cephSourceRequest, rgwBody, rgwRecord, newEventIds } from '../src/s3-server/notifications/records.ts';
import { scripted } from './eventing-helpers.ts';

const sharedDir = process.env.BUCKET_ML_SHARED ?? path.resolve(import.meta.dirname, '../../../../shared');
/** The body RGW 18 pushed in the capture (its records are what any RGW pushes to a plain topic). */
const rgw18Body = (): string => (JSON.parse(readFileSync(path.join(sharedDir, 'reference/ceph-rgw-18/samples/cloudevents-binary.jsonl'), 'utf8').split('\n')[0]!) as { body: string }).body;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function withSink(answer?: (n: number) => number): Promise<{ adapter: CephSourceAdapter; sink: { url: string; hits: Array<{ headers: Record<string, unknown>; body: Buffer }> } }> {
  const sink = await scripted((_, n) => ({ status: answer ? answer(n) : 202 }));
  const adapter = await CephSourceAdapter.start({ sink: sink.url });
  cleanup.push(() => sink.close(), () => adapter.close());
  return { adapter, sink };
}

const post = (url: string, body: string, method = 'POST'): Promise<Response> => fetch(url, { method, headers: { 'content-type': 'application/json' }, ...(method === 'GET' ? {} : { body }) });

describe('CephSource adapter stand-in (eventing-ceph pkg/adapter/adapter.go)', () => {
  it('turns each record into one CloudEvent with id, type, source, subject, time and data as upstream sets them', async () => {
    const display = await EventDisplay.start('sink');
    const adapter = await CephSourceAdapter.start({ sink: display.url });
    cleanup.push(() => display.close(), () => adapter.close());
    const body = rgw18Body();
    const record = (JSON.parse(body) as { Records: Array<Record<string, unknown>> }).Records[0]!;
    const res = await post(`${adapter.url}/any/path?x=1`, body);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(display.events).toHaveLength(1);
    const e = display.events[0]!;
    expect(e.attributes).toEqual({
      specversion: '1.0',
      id: '90c58226-7bcd-49a6-9f62-399969f8d3ff.4104.10178030746729383761' + '1008-default-default',
      type: 'com.amazonaws.ObjectCreated:Put',
      source: 'ceph:s3.default.bkt-ce',
      subject: 'dir/ce object.txt',
      time: '2026-11-29T12:17:54.809557Z',
      datacontenttype: 'application/json',
    });
    // the Go struct: no opaqueData, no tags, metadata {key,val} read as {key,value:""}
    const data = jsonData<Record<string, unknown>>(e)!;
    expect(Object.keys(data)).toEqual(['eventVersion', 'eventSource', 'awsRegion', 'eventTime', 'eventName', 'userIdentity', 'requestParameters', 'responseElements', 's3', 'eventId']);
    expect((data.s3 as { object: Record<string, unknown> }).object).toEqual({
      key: 'dir/ce object.txt',
      size: 13,
      eTag: '644854014c63d22394253230365522e4',
      versionId: '',
      sequencer: 'F2170C6B58E04E30',
      metadata: [{ key: 'x-amz-meta-color', value: '' }],
    });
    expect(data.eventId).toBe(record.eventId);
  });

  it('sends several records in order, one event each', async () => {
    const { adapter, sink } = await withSink();
    const record = (JSON.parse(rgw18Body()) as { Records: Array<{ s3: { object: { key: string } } }> }).Records[0]!;
    const records = ['a.jpg', 'b.jpg', 'c.jpg'].map((key) => ({ ...record, s3: { ...record.s3, object: { ...record.s3.object, key } } }));
    expect((await post(adapter.url, JSON.stringify({ Records: records }))).status).toBe(200);
    expect(sink.hits.map((h) => h.headers['ce-subject'])).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
  });

  it('answers 400 when the sink does not acknowledge a record, and abandons the records after it', async () => {
    const { adapter, sink } = await withSink((n) => (n === 2 ? 500 : 202));
    const record = (JSON.parse(rgw18Body()) as { Records: unknown[] }).Records[0]!;
    const res = await post(adapter.url, JSON.stringify({ Records: [record, record, record] }));
    expect(res.status).toBe(400);
    expect(sink.hits).toHaveLength(2);
    expect(adapter.count('sent')).toBe(1);
    expect(adapter.count('send-failed')).toBe(1);
  });

  it.each([
    ['bad JSON', '{"Records": ['],
    ['Records not a list', '{"Records": {}}'],
    ['a string where Go wants a uint', '{"Records":[{"responseElements":{"x-amz-request-id":"r","x-amz-id-2":"h"},"s3":{"object":{"key":"a.jpg","size":"12"}}}]}'],
    ['a negative size', '{"Records":[{"responseElements":{"x-amz-request-id":"r","x-amz-id-2":"h"},"s3":{"object":{"key":"a.jpg","size":-1}}}]}'],
    ['a number where Go wants a string', '{"Records":[{"eventName": 5}]}'],
    ['an empty id (the SDK refuses to send it)', '{"Records":[{"eventName":"ObjectCreated:Put"}]}'],
  ])('answers 400 for %s, sending nothing', async (_, body) => {
    const { adapter, sink } = await withSink();
    const res = await post(adapter.url, body);
    expect(res.status).toBe(400);
    expect(await res.text()).not.toBe('');
    expect(sink.hits).toHaveLength(0);
  });

  it('answers 400 "405 Method Not Allowed" to anything but POST, and 200 to no records', async () => {
    const { adapter, sink } = await withSink();
    const get = await post(adapter.url, '', 'GET');
    expect(get.status).toBe(400);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.text()).toBe('405 Method Not Allowed\n');
    expect((await post(adapter.url, '{"Records":[]}')).status).toBe(200);
    expect((await post(adapter.url, 'null')).status).toBe(200);
    expect(sink.hits).toHaveLength(0);
  });

  it('prints time as Go does: UTC, nanoseconds without trailing zeros, now when eventTime does not parse', () => {
    expect(cephSourceTime('2026-11-23T14:53:57.743300Z')).toBe('2026-11-23T14:53:57.7433Z');
    expect(cephSourceTime('2026-11-23T14:53:57.000Z')).toBe('2026-11-23T14:53:57Z');
    expect(cephSourceTime('2026-11-23T16:53:57.5+02:00')).toBe('2026-11-23T14:53:57.5Z');
    const now = new Date('2026-01-02T03:04:05.678Z');
    expect(cephSourceTime('yesterday', () => now)).toBe('2026-01-02T03:04:05.678Z');
    expect(cephSourceTime('', () => now)).toBe('2026-01-02T03:04:05.678Z');
  });

  it('is the one emulation: the embedded S3 server’s cephsource format sends what the adapter sends for the same record', async () => {
    const { adapter, sink } = await withSink();
    const ids = newEventIds();
    const record = rgwRecord(
      { eventName: 'ObjectCreated:Put', bucket: { name: 'photos', id: 'b1' }, owner: 'o', object: { key: 'dog <1> & cat.jpg', size: 10, etag: 'e', tags: [] }, amzHeaders: [{ key: 'x-amz-meta-a', val: 'b' }], time: new Date(), micros: 417, ...ids },
      'cfg',
      'opaque',
    );
    expect((await post(adapter.url, rgwBody(record))).status).toBe(200);
    const emulated = cephSourceRequest(record);
    const sent = sink.hits[0]!;
    for (const [name, value] of Object.entries(emulated.headers)) expect(sent.headers[name], name).toBe(value);
    expect(sent.body.toString()).toBe(emulated.body);
    expect(emulated.body).toContain('\\u003c1\\u003e \\u0026 cat.jpg'); // Go's HTML escaping
  });
});
