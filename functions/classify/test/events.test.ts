// Envelope parsing: every way an RGW notification reaches classify, built from real RGW 16 captures.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudEvent, HTTP } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { fromCloudEvent, fromHttpBody, type Envelope, type IncomingCloudEvent } from '../src/events/envelope.ts';
import type { ObjectEvent } from '../src/events/record.ts';
import { CLASSIFY_EVENT_TYPES, isObjectCreated, S3_EVENT_TYPE_PREFIX } from '../src/events/types.ts';
import { errorResponse, FunctionError } from '../src/vendor/core/index.ts';
import { eventsDir, samplesDir } from '../../../test/support/paths.ts';
import { cephSourceData, type RgwRecord as EmulatedRecord } from '../../../packages/local/src/s3-server/notifications/records.ts';
import { cephSourceEvent } from '../../../test/support/cephsource.ts';

// ---------------------------------------------------------------------------------------------
// Reference data

type Json = Record<string, unknown>;
/** A captured record: the emulation's shape (packages/local), opaqueData optional, extra fields allowed. */
type RgwRecord = Omit<EmulatedRecord, 'opaqueData'> & { opaqueData?: string; [more: string]: unknown };
interface RecordsDoc {
  Records: RgwRecord[];
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
/** What RGW POSTed: the `body` of a capture. A fresh copy each time, so tests may mutate it. */
const capture = (name: string): RecordsDoc => readJson<{ body: RecordsDoc }>(path.join(samplesDir, name)).body;
const metadataCapture = (): RecordsDoc => readJson<{ sampleMetadataEvent: RecordsDoc }>(path.join(samplesDir, 'filters.json')).sampleMetadataEvent;
const firstRecord = (doc: RecordsDoc): RgwRecord => {
  const r = doc.Records[0];
  if (!r) throw new Error('capture without records');
  return r;
};

const CAPTURES: { name: string; doc: () => RecordsDoc; created: boolean }[] = [
  { name: 'non-persistent.json', doc: () => capture('non-persistent.json'), created: true },
  { name: 'persistent.json', doc: () => capture('persistent.json'), created: true },
  { name: 'non-persistent-removed.json', doc: () => capture('non-persistent-removed.json'), created: false },
  { name: 'persistent-removed.json', doc: () => capture('persistent-removed.json'), created: false },
  { name: 'filters.json (sampleMetadataEvent)', doc: metadataCapture, created: true },
];

// ---------------------------------------------------------------------------------------------
// Senders, as described by their sources

/** Over the wire in binary mode and parsed again, the way faas-js-runtime builds context.cloudevent. */
function viaBinary(event: CloudEvent<unknown>, extraHeaders: Record<string, string> = {}): CloudEvent<unknown> {
  const message = HTTP.binary(event);
  const parsed = HTTP.toEvent({ headers: { ...message.headers, ...extraHeaders }, body: message.body });
  if (Array.isArray(parsed)) throw new Error('expected one event');
  return parsed as CloudEvent<unknown>;
}

/** What RGW 17+ sends with cloudevents=true: binary mode, a one-record Records document as body. */
function rgw17Message(r: RgwRecord): { headers: Record<string, string>; body: string } {
  return {
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': `${r.responseElements['x-amz-request-id']}.${r.responseElements['x-amz-id-2']}`,
      'ce-type': `com.amazonaws.${r.eventName}`,
      'ce-source': `${r.eventSource}.${r.awsRegion}.${r.s3.bucket.name}`,
      'ce-subject': r.s3.object.key,
      'ce-time': r.eventTime,
    },
    body: JSON.stringify({ Records: [r] }),
  };
}

// ---------------------------------------------------------------------------------------------
// Assertions

/** The ObjectEvent a Ceph record must become: every value taken from the record itself. */
function expectObjectEventOf(actual: ObjectEvent | undefined, r: RgwRecord): void {
  expect(actual).toStrictEqual({
    eventName: r.eventName,
    bucket: r.s3.bucket.name,
    key: r.s3.object.key,
    size: Number(r.s3.object.size),
    eTag: r.s3.object.eTag,
    // RGW sends versionId "" for unversioned buckets: no versionId at all
    sequencer: r.s3.object.sequencer,
    eventTime: r.eventTime,
    eventSource: r.eventSource,
    configurationId: r.s3.configurationId,
    requestId: r.responseElements['x-amz-request-id'],
  });
}

function failure(fn: () => unknown): FunctionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FunctionError);
    return error as FunctionError;
  }
  throw new Error('expected a FunctionError, nothing was thrown');
}

const detailPaths = (error: FunctionError): string[] => (error.details as { path: string }[]).map((d) => d.path);

// ---------------------------------------------------------------------------------------------

describe('plain HTTP POST of what RGW 16 pushes', () => {
  it.each(CAPTURES)('parses the real capture $name', ({ doc, created }) => {
    const body = doc();
    const r = firstRecord(body);
    const envelope = fromHttpBody(body);
    expect(envelope.delivery).toBe('http');
    expect(envelope.eventId).toBe(r.responseElements['x-amz-request-id']);
    expect(envelope.records).toHaveLength(1);
    expectObjectEventOf(envelope.records[0], r);
    expect(isObjectCreated(envelope.records[0]?.eventName ?? '')).toBe(created);
  });

  it('accepts the body as a JSON string and as a Buffer (non-JSON content types reach the handler raw)', () => {
    const body = capture('persistent.json');
    const r = firstRecord(body);
    expectObjectEventOf(fromHttpBody(JSON.stringify(body)).records[0], r);
    expectObjectEventOf(fromHttpBody(Buffer.from(JSON.stringify(body))).records[0], r);
  });

  it('parses every record of a multi-record document, in order', () => {
    const a = firstRecord(capture('non-persistent.json'));
    const b = firstRecord(capture('persistent-removed.json'));
    const envelope = fromHttpBody({ Records: [a, b] });
    expect(envelope.records).toHaveLength(2);
    expectObjectEventOf(envelope.records[0], a);
    expectObjectEventOf(envelope.records[1], b);
  });

  it('accepts one bare record as the body too', () => {
    const r = firstRecord(capture('non-persistent.json'));
    expectObjectEventOf(fromHttpBody(r).records[0], r);
  });
});

describe('CloudEvents', () => {
  it.each(CAPTURES)('CephSource: one record re-marshalled by Go as data ($name)', ({ doc }) => {
    const r = firstRecord(doc());
    const event = viaBinary(cephSourceEvent(r));
    const data = event.data as Json;
    // the transform really is CephSource's: no opaqueData, no tags, empty metadata values
    expect(data).not.toHaveProperty('opaqueData');
    expect(data).not.toHaveProperty('Records');
    expect((data.s3 as { object: Json }).object).not.toHaveProperty('tags');

    const envelope = fromCloudEvent(event);
    expect(envelope).toMatchObject({
      delivery: 'cloudevent',
      eventId: r.responseElements['x-amz-request-id'] + r.responseElements['x-amz-id-2'],
      eventType: `com.amazonaws.${r.eventName}`,
      eventSource: `ceph:s3..${r.s3.bucket.name}`,
    });
    expect(envelope.records).toHaveLength(1);
    expectObjectEventOf(envelope.records[0], r);
  });

  it('RGW 17+ cloudevents=true: binary mode, {"Records":[one record]} as body', () => {
    const r = firstRecord(capture('persistent.json'));
    const event = HTTP.toEvent(rgw17Message(r)) as CloudEvent<unknown>;
    const envelope = fromCloudEvent(event);
    expect(envelope.eventId).toBe(`${r.responseElements['x-amz-request-id']}.${r.responseElements['x-amz-id-2']}`);
    expect(envelope.eventType).toBe('com.amazonaws.ObjectCreated:Put');
    expect(envelope.eventSource).toBe(`ceph:s3..${r.s3.bucket.name}`);
    expect(envelope.records).toHaveLength(1);
    expectObjectEventOf(envelope.records[0], r);
  });

  it('structured mode: HTTP.structured → HTTP.toEvent round trip gives the same envelope as binary', () => {
    const r = firstRecord(capture('non-persistent.json'));
    const original = cephSourceEvent(r);
    const message = HTTP.structured(original);
    expect(message.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(typeof message.body).toBe('string');
    const received = HTTP.toEvent(message) as CloudEvent<unknown>;
    expect(received.id).toBe(original.id);
    const structured = fromCloudEvent(received);
    expect(structured).toStrictEqual(fromCloudEvent(viaBinary(original)));
    expectObjectEventOf(structured.records[0], r);
  });

  it('Broker re-delivery: Knative extensions are ignored, the records are the same (the trace context is kept)', () => {
    const r = firstRecord(capture('persistent.json'));
    const direct = fromCloudEvent(viaBinary(cephSourceEvent(r)));
    const redelivered = viaBinary(cephSourceEvent(r), {
      'ce-knativearrivaltime': '2026-11-23T14:54:00.123456789Z',
      'ce-traceparent': '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'ce-knativebrokerttl': '255',
    });
    expect(redelivered['knativearrivaltime']).toBe('2026-11-23T14:54:00.123456789Z');
    const envelope = fromCloudEvent(redelivered);
    expect(envelope).toStrictEqual({ ...direct, trace: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    // an RGW 17 event re-delivered by a Broker, in structured mode this time
    const rgw17 = HTTP.toEvent(rgw17Message(r)) as CloudEvent<unknown>;
    const viaBroker = HTTP.toEvent(HTTP.structured(rgw17.cloneWith({ knativearrivaltime: '2026-11-23T14:54:00Z' }))) as CloudEvent<unknown>;
    expect(fromCloudEvent(viaBroker).records).toStrictEqual(direct.records);
  });

  it('data as a JSON string and as a Buffer', () => {
    const r = firstRecord(capture('non-persistent.json'));
    const base = { id: 'e1', type: 'com.amazonaws.ObjectCreated:Put', source: 'ceph:s3..b' };
    const asString: IncomingCloudEvent = { ...base, data: JSON.stringify(cephSourceData(r)) };
    const asBuffer: IncomingCloudEvent = { ...base, data: Buffer.from(JSON.stringify({ Records: [r] })) };
    expectObjectEventOf(fromCloudEvent(asString).records[0], r);
    expectObjectEventOf(fromCloudEvent(asBuffer).records[0], r);
    // the cloudevents class keeps binary data as bytes (and serialises it as data_base64)
    const ce = new CloudEvent({ ...base, datacontenttype: 'application/json', data: Buffer.from(JSON.stringify(cephSourceData(r))) });
    expect(ce.data).toBeInstanceOf(Uint8Array);
    expectObjectEventOf(fromCloudEvent(ce).records[0], r);
  });

  it('JSON sent as a JSON string (func releases whose sdk-go SetData encodes the --data string)', () => {
    const r = firstRecord(capture('non-persistent.json'));
    const message = {
      headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'i1', 'ce-type': 'boson.fn', 'ce-source': '/boson/fn' },
      body: JSON.stringify(JSON.stringify({ Records: [r] })),
    };
    const event = HTTP.toEvent(message) as CloudEvent<unknown>;
    expect(typeof event.data).toBe('string');
    expectObjectEventOf(fromCloudEvent(event).records[0], r);
  });

  it('the default `func invoke --format cloudevent` with a record file: any type, the data decides', () => {
    const file = readJson<Json>(path.join(eventsDir, 'cephsource-put.json'));
    const envelope = fromCloudEvent({ id: 'abc', type: 'boson.fn', source: '/boson/fn', data: file });
    expect(envelope.records[0]).toMatchObject({ eventName: 'ObjectCreated:Put', bucket: 'photos', key: 'dog.jpg' });
  });
});

describe('defensive record parsing', () => {
  const base = () => firstRecord(capture('non-persistent.json'));

  it('size as a string', () => {
    const r = base() as unknown as { s3: { object: { size: unknown } } };
    r.s3.object.size = '1234';
    expect(fromHttpBody({ Records: [r] }).records[0]?.size).toBe(1234);
  });

  it('a size that is not a number is refused with its path', () => {
    const r = base() as unknown as { s3: { object: { size: unknown } } };
    r.s3.object.size = 'big';
    const error = failure(() => fromHttpBody({ Records: [r] }));
    expect(error.status).toBe(400);
    expect(detailPaths(error)).toContain('Records.0.s3.object.size');
  });

  it('eventName with the AWS `s3:` prefix', () => {
    const r = base();
    r.eventName = 's3:ObjectCreated:CompleteMultipartUpload';
    const event = fromHttpBody({ Records: [r] }).records[0];
    expect(event?.eventName).toBe('ObjectCreated:CompleteMultipartUpload');
    expect(isObjectCreated(event?.eventName ?? '')).toBe(true);
  });

  it('AWS URL-encodes keys (form encoding, + is a space): decoded', () => {
    const r = base();
    r.eventSource = 'aws:s3';
    r.s3.object.key = 'my+photo%281%29.jpg';
    expect(fromHttpBody({ Records: [r] }).records[0]?.key).toBe('my photo(1).jpg');
    r.s3.object.key = 'dir%2Fsub/caf%C3%A9+%2B+cr%C3%A8me.jpg';
    expect(fromHttpBody({ Records: [r] }).records[0]?.key).toBe('dir/sub/café + crème.jpg');
  });

  it('Ceph sends keys raw: + and % stay as they are', () => {
    const r = base();
    expect(r.eventSource).toBe('ceph:s3');
    r.s3.object.key = 'my+photo%281%29 100%.jpg';
    expect(fromHttpBody({ Records: [r] }).records[0]?.key).toBe('my+photo%281%29 100%.jpg');
    // and via CephSource, which keeps eventSource
    expect(fromCloudEvent(viaBinary(cephSourceEvent(r))).records[0]?.key).toBe('my+photo%281%29 100%.jpg');
  });

  it('an AWS key that is not valid percent-encoding does not crash the parser', () => {
    const r = base();
    r.eventSource = 'aws:s3';
    r.s3.object.key = 'bad%zz.jpg';
    expect(fromHttpBody({ Records: [r] }).records[0]?.key).toBe('bad%zz.jpg');
  });

  it('versionId: a real one is kept; "", null and "null" mean unversioned; quoted eTags are unquoted', () => {
    const r = base() as unknown as { s3: { object: { versionId: unknown; eTag: string } } };
    r.s3.object.versionId = 'Nz8v0cG4oMZxJlMw7jvTZ.6K1KnWSwbI';
    r.s3.object.eTag = `"${r.s3.object.eTag}"`;
    const event = fromHttpBody({ Records: [r] }).records[0];
    expect(event?.versionId).toBe('Nz8v0cG4oMZxJlMw7jvTZ.6K1KnWSwbI');
    expect(event?.eTag).toBe(firstRecord(capture('non-persistent.json')).s3.object.eTag);
    for (const blank of ['', null, 'null']) {
      r.s3.object.versionId = blank;
      expect(fromHttpBody({ Records: [r] }).records[0]).not.toHaveProperty('versionId');
    }
  });

  it('a record without eventName falls back to the CloudEvent type', () => {
    const r = base();
    const data = cephSourceData(r);
    delete data.eventName;
    const event = { id: 'x', type: `${S3_EVENT_TYPE_PREFIX}ObjectCreated:Copy`, source: 'ceph:s3..b', data };
    expect(fromCloudEvent(event).records[0]?.eventName).toBe('ObjectCreated:Copy');
    // an empty eventName counts as missing
    expect(fromCloudEvent({ ...event, data: { ...data, eventName: '' } }).records[0]?.eventName).toBe('ObjectCreated:Copy');
    // a present eventName wins over the type
    expect(fromCloudEvent({ ...event, data: { ...data, eventName: 'ObjectCreated:Put' } }).records[0]?.eventName).toBe('ObjectCreated:Put');
  });

  it('a record without eventName and nothing to fall back on is a 400', () => {
    const r = base() as Partial<RgwRecord>;
    delete r.eventName;
    const overHttp = failure(() => fromHttpBody({ Records: [r] }));
    expect(overHttp.status).toBe(400);
    expect(overHttp.message).toMatch(/eventName/);
    const otherType = failure(() => fromCloudEvent({ id: 'x', type: 'boson.fn', source: '/boson/fn', data: r }));
    expect(otherType.status).toBe(400);
  });
});

describe('what is refused, with a 400 that says what to send', () => {
  it('the default `func invoke` event (boson.fn, {"message":"Hello World"})', () => {
    const asEvent = failure(() => fromCloudEvent({ id: 'f3b5', type: 'boson.fn', source: '/boson/fn', data: { message: 'Hello World' } }));
    const asPost = failure(() => fromHttpBody({ message: 'Hello World' }));
    for (const error of [asEvent, asPost]) {
      expect(error.status).toBe(400);
      expect(error.retryable).toBe(false);
      // says what to send: the Records shape, the CloudEvent type, and where the examples are
      expect(error.message).toContain('"Records"');
      expect(error.message).toContain(CLASSIFY_EVENT_TYPES[0]);
      expect(error.message).toContain('functions/classify/events/');
      const response = errorResponse(error);
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatchObject({ error: { code: error.code, message: error.message, retryable: false } });
    }
  });

  it('malformed records: details name the paths, across several records', () => {
    const good = firstRecord(capture('non-persistent.json'));
    const bad = { eventName: 'ObjectCreated:Put', s3: { bucket: { name: '' }, object: { key: 7 } } };
    const error = failure(() => fromHttpBody({ Records: [good, bad] }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('malformed_event');
    expect(error.message).toMatch(/record 1/);
    expect(detailPaths(error)).toEqual(expect.arrayContaining(['Records.1.s3.bucket.name', 'Records.1.s3.object.key']));

    const noBucket = failure(() => fromCloudEvent({ id: 'x', type: 'com.amazonaws.ObjectCreated:Put', source: 's', data: { s3: { object: { key: 'k' } } } }));
    expect(noBucket.status).toBe(400);
    expect(detailPaths(noBucket)).toContain('Records.0.s3.bucket');
  });

  it('Records that is empty or not an array', () => {
    for (const body of [{ Records: [] }, { Records: 'x' }, { Records: null }]) {
      const error = failure(() => fromHttpBody(body));
      expect(error.status).toBe(400);
      expect(error.code).toBe('malformed_event');
    }
  });

  it('data that is not JSON, or not an object at all', () => {
    for (const body of ['not json', '{"Records": [', Buffer.from([0xff, 0xd8, 0xff, 0xe0]), 42, [1, 2], 'true']) {
      expect(failure(() => fromHttpBody(body)).status).toBe(400);
    }
    expect(failure(() => fromCloudEvent({ id: 'x', type: 't', source: 's', data: 'hello' })).status).toBe(400);
  });

  it('an empty body or an event without data', () => {
    for (const body of [undefined, null, '']) {
      const error = failure(() => fromHttpBody(body));
      expect(error.status).toBe(400);
      expect(error.code).toBe('empty_request');
      expect(error.message).toContain('"Records"');
    }
    expect(failure(() => fromHttpBody(Buffer.alloc(0))).status).toBe(400);
    const noData = failure(() => fromCloudEvent(new CloudEvent({ id: 'x', type: 'com.amazonaws.ObjectCreated:Put', source: 's' })));
    expect(noData.status).toBe(400);
    expect(noData.code).toBe('empty_event');
  });
});

describe('example event files (functions/classify/events)', () => {
  const rgwPut = (): RecordsDoc => readJson<RecordsDoc>(path.join(eventsDir, 'rgw-put.json'));

  /** Every JSON path with the type of its value: the shape of a document, not its values. */
  function shape(value: unknown, at = '$'): string[] {
    if (Array.isArray(value)) return [`${at}:array`, ...value.flatMap((v, i) => shape(v, `${at}[${i}]`))];
    if (value !== null && typeof value === 'object') {
      return [`${at}:object`, ...Object.entries(value).flatMap(([k, v]) => shape(v, `${at}.${k}`))];
    }
    return [`${at}:${value === null ? 'null' : typeof value}`];
  }

  it('rgw-put.json is an RGW 16 push, shaped exactly like the real capture, for photos/dog.jpg', () => {
    const doc = rgwPut();
    expect(shape(doc)).toEqual(shape(capture('non-persistent.json')));
    const envelope: Envelope = fromHttpBody(doc);
    expect(envelope.records[0]).toMatchObject({ eventName: 'ObjectCreated:Put', bucket: 'photos', key: 'dog.jpg' });
  });

  it('cephsource-put.json is the CephSource transform of rgw-put.json, byte for byte in field order', () => {
    const file = readFileSync(path.join(eventsDir, 'cephsource-put.json'), 'utf8');
    expect(JSON.stringify(JSON.parse(file))).toBe(JSON.stringify(cephSourceData(firstRecord(rgwPut()))));
  });

  it('rgw-removed.json is an RGW 16 removal push for photos/dog.jpg', () => {
    const doc = readJson<RecordsDoc>(path.join(eventsDir, 'rgw-removed.json'));
    expect(shape(doc)).toEqual(shape(capture('non-persistent-removed.json')));
    const event = fromHttpBody(doc).records[0];
    expect(event).toMatchObject({ eventName: 'ObjectRemoved:Delete', bucket: 'photos', key: 'dog.jpg' });
    expect(isObjectCreated(event?.eventName ?? '')).toBe(false);
  });

  it('README.md names each file with its func invoke flags', () => {
    const readme = readFileSync(path.join(eventsDir, 'README.md'), 'utf8');
    for (const file of ['rgw-put.json', 'cephsource-put.json', 'rgw-removed.json']) expect(readme).toContain(file);
    expect(readme).toContain('--format http');
    expect(readme).toContain('--format cloudevent');
  });
});
