// respond(): outcomes of one delivery → the reply Knative sees (status decides retry or not).
import { CloudEvent, HTTP } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../src/events/envelope.ts';
import { CLASSIFY_EVENT_TYPES, CONFIDENCE_EXTENSION, ERROR_EXTENSION, FAILED_EVENT_TYPE, OBJECT_CREATED_TYPE_PREFIX, RESULT_EVENT_TYPE, S3_EVENT_TYPE_PREFIX } from '../src/events/types.ts';
import type { Outcome } from '../src/pipeline.ts';
import { NO_CONTENT, respond, type Reply } from '../src/respond.ts';
import type { ClassificationResult } from '../src/results/document.ts';
import { buildFailure, unstored, type ClassificationFailure } from '../src/results/failure.ts';
import { FunctionError, type HttpResponse } from '../src/vendor/core/index.ts';
import { knativeRetries } from '../../../test/support/knative-retries.ts';

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
const failureKey = (key: string): string => `results/${key}/etag-0efe2b8fa0609cf67d33ad9ed8112e66/mobilenet_v1_0.75_224@abc123def456.failed.json`;
/** A failed record as the pipeline hands it over: a permanent failure has its document (stored), a transient one none. */
const failed = (status: number, code: string, key = 'broken.jpg'): Outcome => {
  const error = new FunctionError(status, code, `${code} for ${key}`);
  const timings = { fetchMs: 2, totalMs: 3 };
  if (error.retryable) return { status: 'failed', object: ref(key), error, timings };
  const failure = buildFailure({
    object: { bucket: 'photos', key, eTag: '0efe2b8fa0609cf67d33ad9ed8112e66' },
    model: { name: 'mobilenet_v1_0.75_224', version: 'abc123def456', backend: 'wasm' },
    error,
    event: { delivery: 'cloudevent', id: 'e-1', eventName: 'ObjectCreated:Put' },
    timings,
    resultKey: failureKey(key),
    at: new Date('2026-11-23T15:00:00.000Z'),
  });
  return { status: 'failed', object: ref(key), error, timings, failure };
};
/** A permanent failure whose document could not be stored (no version to name it by, or the store refused). */
const unstoredFailure = (status: number, code: string, key = 'broken.jpg'): Outcome => {
  const o = failed(status, code, key);
  return o.status === 'failed' && o.failure ? { ...o, failure: unstored(o.failure) } : o;
};
const TRACE = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'rojo=00f067aa0ba902b7' };
const ignored = (key = 'notes.txt'): Outcome => ({ status: 'ignored', object: { ...ref(key), eventName: 'ObjectRemoved:Delete' }, reason: 'ObjectRemoved:Delete is not an object-created event' });
/** A delivery of an object an earlier attempt classified: the pipeline hands over the stored result. */
const duplicate = (key = 'dog.jpg'): Outcome => ({ status: 'duplicate', object: ref(key), result: result(key) });

const fromCloudEvent = (n: number): Envelope => ({ delivery: 'cloudevent', eventId: 'e-1', eventType: 'com.amazonaws.ObjectCreated:Put', records: new Array(n) });
const fromHttp = (n: number): Envelope => ({ delivery: 'http', eventId: 'r-1', records: new Array(n) });

function asHttp(reply: Reply): HttpResponse {
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
    for (const envelope of [fromHttp(3), fromCloudEvent(3)]) {
      const reply = asHttp(respond([classified('a.jpg'), failed(503, 'storage_unavailable', 'b.jpg'), classified('c.jpg')], envelope, SOURCE));
      expect(reply.statusCode).toBe(503);
      const body = reply.body as Body;
      expect(body.error).toMatchObject({ code: 'storage_unavailable', retryable: true });
      expect(body.outcomes.map((o) => o.status)).toEqual(['classified', 'failed', 'classified']);
    }
  });

  it('a retryable failure wins over permanent ones, whatever the order', () => {
    const reply = asHttp(respond([failed(415, 'not_an_image', 'a.txt'), failed(503, 'storage_unavailable', 'b.jpg')], fromCloudEvent(2), SOURCE));
    expect(reply.statusCode).toBe(503);
  });

  it('over plain HTTP, all permanent failures → that status (the first one), naming the stored failure documents', () => {
    const one = asHttp(respond([failed(415, 'not_an_image')], fromHttp(1), SOURCE));
    expect(one.statusCode).toBe(415);
    expect((one.body as Body).error).toMatchObject({ code: 'not_an_image', message: 'not_an_image for broken.jpg', retryable: false });
    expect((one.body as Body).outcomes[0]).toMatchObject({ status: 'failed', resultKey: failureKey('broken.jpg') });
    const two = asHttp(respond([failed(410, 'object_gone', 'a.jpg'), failed(422, 'corrupt_image', 'b.jpg')], fromHttp(2), SOURCE));
    expect(two.statusCode).toBe(410);
    expect(knativeRetries(two.statusCode)).toBe(false);
    expect((two.body as Body).outcomes.map((o) => o.error?.code)).toEqual(['object_gone', 'corrupt_image']);
    // a failure that could not be stored names no document
    expect((asHttp(respond([unstoredFailure(410, 'object_gone')], fromHttp(1), SOURCE)).body as Body).outcomes[0]).not.toHaveProperty('resultKey');
  });

  it('permanent failures mixed with successes over HTTP → 200 with the summary (a retry would only repeat the failure)', () => {
    const reply = asHttp(respond([classified('a.jpg'), failed(415, 'not_an_image', 'b.txt')], fromHttp(2), SOURCE));
    expect(reply.statusCode).toBe(200);
    expect((reply.body as Body).outcomes.map((o) => o.status)).toEqual(['classified', 'failed']);
  });

  it('one permanent failure from a CloudEvent → 200 with the failed event, which the Broker routes on instead of dead-lettering', () => {
    for (const [status, code] of [[415, 'not_an_image'], [422, 'corrupt_image'], [413, 'object_too_large'], [410, 'object_gone'], [403, 'access_denied']] as const) {
      const outcome = failed(status, code);
      const reply = respond([outcome], fromCloudEvent(1), SOURCE);
      expect(reply, code).toBeInstanceOf(CloudEvent);
      const event = reply as CloudEvent<ClassificationFailure>;
      expect(event.type).toBe(FAILED_EVENT_TYPE);
      expect(CLASSIFY_EVENT_TYPES).not.toContain(event.type);
      expect(event.type.startsWith(S3_EVENT_TYPE_PREFIX)).toBe(false);
      expect(event.id).toBe(failureKey('broken.jpg'));
      expect(event.source).toBe(SOURCE);
      expect(event.subject).toBe('broken.jpg');
      expect(event.datacontenttype).toBe('application/json');
      expect(event.data).toEqual(outcome.status === 'failed' ? outcome.failure : undefined);
      expect(event.data?.error).toEqual({ status, code, message: `${code} for broken.jpg`, retryable: false });
      expect(event[ERROR_EXTENSION]).toBe(code);
      expect(event.validate()).toBe(true);
      const message = HTTP.binary(event);
      expect(message.headers['ce-type']).toBe(FAILED_EVENT_TYPE);
      expect(message.headers[`ce-${ERROR_EXTENSION}`]).toBe(code);
    }
  });

  it('a failure that could not be stored is still sent on, named after the delivery', () => {
    const event = respond([unstoredFailure(410, 'object_gone', 'gone.jpg')], fromCloudEvent(1), SOURCE) as CloudEvent<ClassificationFailure>;
    expect(event.type).toBe(FAILED_EVENT_TYPE);
    expect(event.id).toBe('e-1/photos/gone.jpg');
    expect(event.data).not.toHaveProperty('resultKey');
  });

  it('a re-delivered failure (the stored document re-emitted) → the same failed event: same id, same data', () => {
    const first = respond([failed(415, 'not_an_image')], fromCloudEvent(1), SOURCE) as CloudEvent<ClassificationFailure>;
    const o = failed(415, 'not_an_image');
    const again = respond([{ ...o, repeated: true } as Outcome], fromCloudEvent(1), SOURCE) as CloudEvent<ClassificationFailure>;
    expect(again.id).toBe(first.id);
    expect(again.data).toEqual(first.data);
  });

  it('permanent failures mixed with successes in one CloudEvent, all stored → an empty 204, like several results (stored, not sent on)', () => {
    const reply = respond([classified('a.jpg'), failed(415, 'not_an_image', 'b.txt'), ignored('c.txt')], fromCloudEvent(3), SOURCE);
    expect(reply).toBe(NO_CONTENT);
    expect(respond([failed(415, 'not_an_image', 'a.jpg'), failed(410, 'object_gone', 'b.jpg')], fromCloudEvent(2), SOURCE)).toBe(NO_CONTENT);
  });

  it('several records, a permanent failure neither sent nor stored → its 4xx, so the Broker dead-letters the event instead of dropping the record', () => {
    const reply = asHttp(respond([classified('a.jpg'), unstoredFailure(410, 'object_gone', 'b.jpg')], fromCloudEvent(2), SOURCE));
    expect(reply.statusCode).toBe(410);
    expect(knativeRetries(reply.statusCode)).toBe(false);
    expect((reply.body as Body).outcomes.map((o) => o.status)).toEqual(['classified', 'failed']);
  });

  it("the delivery's trace context rides on the reply event (distributed tracing extension), result or failure", () => {
    const traced: Envelope = { ...fromCloudEvent(1), trace: TRACE };
    for (const outcome of [classified(), duplicate(), failed(415, 'not_an_image')]) {
      const event = respond([outcome], traced, SOURCE) as CloudEvent<unknown>;
      expect(event.traceparent, outcome.status).toBe(TRACE.traceparent);
      expect(event.tracestate).toBe(TRACE.tracestate);
      expect(event.validate()).toBe(true);
      const message = HTTP.binary(event);
      expect(message.headers['ce-traceparent']).toBe(TRACE.traceparent);
      expect(message.headers['ce-tracestate']).toBe(TRACE.tracestate);
    }
    const untraced = respond([classified()], fromCloudEvent(1), SOURCE) as CloudEvent<unknown>;
    expect(untraced.traceparent).toBeUndefined();
    expect(HTTP.binary(untraced).headers['ce-traceparent']).toBeUndefined();
  });

  it('a duplicate CloudEvent delivery → the stored result re-emitted as the same result event (same id, same data)', () => {
    const first = respond([classified()], fromCloudEvent(1), SOURCE) as CloudEvent<ClassificationResult>;
    const again = respond([duplicate()], fromCloudEvent(1), SOURCE);
    expect(again).toBeInstanceOf(CloudEvent);
    const event = again as CloudEvent<ClassificationResult>;
    expect(event.id).toBe(first.id);
    expect(event.type).toBe(RESULT_EVENT_TYPE);
    expect(event.source).toBe(first.source);
    expect(event.subject).toBe(first.subject);
    expect(event[CONFIDENCE_EXTENSION]).toBe(first[CONFIDENCE_EXTENSION]);
    expect(event.data).toEqual(first.data);
    expect(event.validate()).toBe(true);
  });

  it('an ignored CloudEvent delivery → an empty 204, which a Broker accepts without a reply event', () => {
    const reply = asHttp(respond([ignored()], fromCloudEvent(1), SOURCE));
    expect(reply.statusCode).toBe(204);
    expect(reply.body).toBe('');
    expect(reply).toBe(NO_CONTENT);
  });

  it('several records in one CloudEvent, none failed → an empty 204 (all stored; one reply carries one event)', () => {
    for (const outcomes of [[classified('a.jpg'), classified('b.jpg')], [classified('a.jpg'), duplicate('b.jpg'), ignored('c.txt')], [ignored('a.txt'), ignored('b.txt')]]) {
      expect(respond(outcomes, fromCloudEvent(outcomes.length), SOURCE)).toBe(NO_CONTENT);
    }
  });

  it('over plain HTTP, ignored and duplicate records → 200 with a JSON summary', () => {
    for (const outcome of [ignored(), duplicate()]) {
      const reply = asHttp(respond([outcome], fromHttp(1), SOURCE));
      expect(reply.statusCode).toBe(200);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect((reply.body as Body).outcomes[0]?.status).toBe(outcome.status);
    }
    const dup = asHttp(respond([duplicate()], fromHttp(1), SOURCE)).body as { outcomes: Record<string, unknown>[] };
    expect(dup.outcomes[0]).toMatchObject({ resultKey: result('dog.jpg').resultKey, top: result('dog.jpg').top });
  });

  it('whatever the outcomes, a 2xx to a CloudEvent delivery is a CloudEvent or has an empty body', () => {
    const kinds = [classified('a.jpg'), classified('b.jpg', 'low'), duplicate('c.jpg'), ignored('d.txt'), failed(415, 'not_an_image', 'e.txt'), failed(410, 'object_gone', 'f.jpg'), failed(503, 'storage_unavailable', 'g.jpg'), unstoredFailure(403, 'access_denied', 'h.jpg')];
    const combos: Outcome[][] = [];
    for (const a of kinds) {
      combos.push([a]);
      for (const b of kinds) {
        combos.push([a, b]);
        for (const c of kinds) combos.push([a, b, c]);
      }
    }
    for (const outcomes of combos) {
      const reply = respond(outcomes, fromCloudEvent(outcomes.length), SOURCE);
      if (reply instanceof CloudEvent) {
        expect(reply.validate()).toBe(true);
        continue;
      }
      const failures = outcomes.flatMap((o) => (o.status === 'failed' ? [o] : []));
      if (reply.statusCode >= 200 && reply.statusCode < 300) {
        expect(reply.body, JSON.stringify(outcomes.map((o) => o.status))).toBe('');
        // nothing transient is acknowledged, and no permanent failure vanishes: it is sent or stored
        expect(failures.every((f) => !f.error.retryable && (outcomes.length === 1 || f.failure?.resultKey))).toBe(true);
      } else {
        expect(failures.length).toBeGreaterThan(0);
        // only a transient failure, or a permanent one neither sent nor stored, makes an error status
        expect(failures.some((f) => f.error.retryable || !f.failure?.resultKey)).toBe(true);
      }
    }
  });

  it('never leaks more than a summary of a failure', () => {
    const error = new FunctionError(503, 'storage_unavailable', 'reading s3://photos/b.jpg: the object store is unavailable (Error)', undefined, {
      cause: new Error('connect ECONNREFUSED 10.0.0.7:7480 secret=abc'),
    });
    const reply = asHttp(respond([{ status: 'failed', object: ref('b.jpg'), error, timings: { totalMs: 1 } }], fromHttp(1), SOURCE));
    expect(JSON.stringify(reply.body)).not.toContain('ECONNREFUSED');
    expect(JSON.stringify(reply.body)).not.toContain('secret');
  });
});
