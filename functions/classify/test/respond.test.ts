// respond(): outcomes of one delivery → the reply Knative sees (status decides retry or not).
import { CloudEvent, HTTP } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../src/events/envelope.ts';
import { CLASSIFY_EVENT_TYPES, CONFIDENCE_EXTENSION, OBJECT_CREATED_TYPE_PREFIX, RESULT_EVENT_TYPE, S3_EVENT_TYPE_PREFIX } from '../src/events/types.ts';
import type { Outcome } from '../src/pipeline.ts';
import { respond } from '../src/respond.ts';
import type { ClassificationResult } from '../src/results/document.ts';
import { FunctionError, type HttpResponse } from '../src/vendor/core/index.ts';

const SOURCE = '/bucket-ml/classify';

function result(key: string, confidence: 'high' | 'low' = 'high'): ClassificationResult {
  const top = { label: 'malamute, malemute, Alaskan malamute', index: 249, score: confidence === 'high' ? 0.82 : 0.31 };
  return {
    schema: 'bucket-ml.classification/v1',
    object: { bucket: 'photos', key, eTag: '0efe2b8fa0609cf67d33ad9ed8112e66', size: 163759, contentType: 'image/jpeg' },
    image: { format: 'jpeg', width: 768, height: 576 },
    model: { name: 'mobilenet_v1_0.75_224', version: 'abc123def456', backend: 'wasm' },
    predictions: [top, { label: 'Siberian husky', index: 250, score: 0.05 }],
    top,
    confidence,
    event: { delivery: 'cloudevent', id: 'req-1', type: 'com.amazonaws.ObjectCreated:Put', eventName: 'ObjectCreated:Put' },
    timings: { fetchMs: 3, decodeMs: 9, inferenceMs: 40, totalMs: 52 },
    resultKey: `results/${key}/etag-0efe2b8fa0609cf67d33ad9ed8112e66.json`,
    classifiedAt: '2026-11-23T15:00:00.000Z',
  };
}

const ref = (key: string) => ({ bucket: 'photos', key, eventName: 'ObjectCreated:Put' });
const classified = (key = 'dog.jpg', confidence: 'high' | 'low' = 'high'): Outcome => ({ status: 'classified', object: ref(key), result: result(key, confidence) });
const failed = (status: number, code: string, key = 'broken.jpg'): Outcome => ({ status: 'failed', object: ref(key), error: new FunctionError(status, code, `${code} for ${key}`) });
const ignored = (key = 'notes.txt'): Outcome => ({ status: 'ignored', object: { ...ref(key), eventName: 'ObjectRemoved:Delete' }, reason: 'ObjectRemoved:Delete is not an object-created event' });
const duplicate = (key = 'dog.jpg'): Outcome => ({ status: 'duplicate', object: ref(key), resultKey: `results/${key}/etag-x.json` });

const fromCloudEvent = (n: number): Envelope => ({ delivery: 'cloudevent', eventId: 'e-1', eventType: 'com.amazonaws.ObjectCreated:Put', records: new Array(n) });
const fromHttp = (n: number): Envelope => ({ delivery: 'http', eventId: 'r-1', records: new Array(n) });

function asHttp(reply: HttpResponse | CloudEvent<ClassificationResult>): HttpResponse {
  expect(reply).not.toBeInstanceOf(CloudEvent);
  return reply as HttpResponse;
}
interface Body {
  error?: { code: string; message: string; retryable: boolean };
  outcomes: { status: string; key: string; error?: { code: string } }[];
}

describe('respond', () => {
  it('one image classified from a CloudEvent → a result CloudEvent the classify trigger cannot match', () => {
    const outcome = classified();
    const reply = respond([outcome], fromCloudEvent(1), SOURCE);
    expect(reply).toBeInstanceOf(CloudEvent);
    const event = reply as CloudEvent<ClassificationResult>;
    expect(event.type).toBe(RESULT_EVENT_TYPE);
    expect(event.type.startsWith(OBJECT_CREATED_TYPE_PREFIX)).toBe(false);
    expect(event.type.startsWith(S3_EVENT_TYPE_PREFIX)).toBe(false);
    expect(CLASSIFY_EVENT_TYPES).not.toContain(event.type);
    expect(event.source).toBe(SOURCE);
    expect(event.subject).toBe('dog.jpg');
    expect(event.datacontenttype).toBe('application/json');
    expect(event.data).toEqual(outcome.status === 'classified' ? outcome.result : undefined);
    // the id names the object version, so a re-sent result has the same id
    expect(event.id).toBe(result('dog.jpg').resultKey);
    expect((respond([classified()], fromCloudEvent(1), SOURCE) as CloudEvent<ClassificationResult>).id).toBe(event.id);
    expect(event[CONFIDENCE_EXTENSION]).toBe('high');
    expect(event.validate()).toBe(true);
    // and it survives the wire as a ce- header a Trigger can filter on
    const message = HTTP.binary(event);
    expect(message.headers[`ce-${CONFIDENCE_EXTENSION}`]).toBe('high');
    expect(message.headers['ce-type']).toBe(RESULT_EVENT_TYPE);
  });

  it('low confidence is carried in the bmlconfidence extension', () => {
    const reply = respond([classified('dog.jpg', 'low')], fromCloudEvent(1), SOURCE) as CloudEvent<ClassificationResult>;
    expect(reply[CONFIDENCE_EXTENSION]).toBe('low');
  });

  it('one image classified from a plain HTTP POST → 200 JSON with the result', () => {
    const outcome = classified();
    const reply = asHttp(respond([outcome], fromHttp(1), SOURCE));
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const body = reply.body as { outcomes: Record<string, unknown>[] };
    expect(body.outcomes).toEqual([expect.objectContaining({ status: 'classified', bucket: 'photos', key: 'dog.jpg', resultKey: result('dog.jpg').resultKey })]);
    expect(JSON.parse(JSON.stringify(reply.body))).toEqual(reply.body);
  });

  it('a retryable failure among successes → 503, so the delivery is retried', () => {
    const reply = asHttp(respond([classified('a.jpg'), failed(503, 'storage_unavailable', 'b.jpg'), classified('c.jpg')], fromHttp(3), SOURCE));
    expect(reply.statusCode).toBe(503);
    const body = reply.body as Body;
    expect(body.error).toMatchObject({ code: 'storage_unavailable', retryable: true });
    expect(body.outcomes.map((o) => o.status)).toEqual(['classified', 'failed', 'classified']);
  });

  it('a retryable failure wins over permanent ones, whatever the order', () => {
    const reply = asHttp(respond([failed(415, 'not_an_image', 'a.txt'), failed(503, 'storage_unavailable', 'b.jpg')], fromCloudEvent(2), SOURCE));
    expect(reply.statusCode).toBe(503);
  });

  it('all permanent failures → that 4xx (the first one), so Knative does not retry', () => {
    const one = asHttp(respond([failed(415, 'not_an_image')], fromCloudEvent(1), SOURCE));
    expect(one.statusCode).toBe(415);
    expect((one.body as Body).error).toMatchObject({ code: 'not_an_image', message: 'not_an_image for broken.jpg', retryable: false });
    const two = asHttp(respond([failed(404, 'object_gone', 'a.jpg'), failed(422, 'corrupt_image', 'b.jpg')], fromHttp(2), SOURCE));
    expect(two.statusCode).toBe(404);
    expect((two.body as Body).outcomes.map((o) => o.error?.code)).toEqual(['object_gone', 'corrupt_image']);
  });

  it('permanent failures mixed with successes → 200 (a retry would only repeat the failure)', () => {
    for (const envelope of [fromHttp(2), fromCloudEvent(2)]) {
      const reply = asHttp(respond([classified('a.jpg'), failed(415, 'not_an_image', 'b.txt')], envelope, SOURCE));
      expect(reply.statusCode).toBe(200);
      expect((reply.body as Body).outcomes.map((o) => o.status)).toEqual(['classified', 'failed']);
    }
  });

  it('ignored and duplicate deliveries → 200 JSON, never a reply event a Broker would re-ingest', () => {
    for (const outcome of [ignored(), duplicate()]) {
      for (const envelope of [fromCloudEvent(1), fromHttp(1)]) {
        const reply = asHttp(respond([outcome], envelope, SOURCE));
        expect(reply.statusCode).toBe(200);
        expect((reply.body as Body).outcomes[0]?.status).toBe(outcome.status);
      }
    }
  });

  it('never leaks more than a summary of a failure', () => {
    const error = new FunctionError(503, 'storage_unavailable', 'reading s3://photos/b.jpg: the object store is unavailable (Error)', undefined, {
      cause: new Error('connect ECONNREFUSED 10.0.0.7:7480 secret=abc'),
    });
    const reply = asHttp(respond([{ status: 'failed', object: ref('b.jpg'), error }], fromHttp(1), SOURCE));
    expect(JSON.stringify(reply.body)).not.toContain('ECONNREFUSED');
    expect(JSON.stringify(reply.body)).not.toContain('secret');
  });
});
