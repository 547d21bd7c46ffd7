// Building the documents classify stores and sends: a result, a permanent failure; and reading them back.
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../src/events/envelope.ts';
import type { ObjectEvent } from '../src/events/record.ts';
import { deliveryInfo } from '../src/results/delivery.ts';
import { buildResult, parseStoredResult } from '../src/results/document.ts';
import { buildFailure, errorOf, isDecidedByContent, parseStoredFailure, unstored } from '../src/results/failure.ts';
import { Stopwatch } from '../src/results/timings.ts';
import { FunctionError } from '../src/vendor/core/index.ts';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const event: ObjectEvent = { eventName: 'ObjectCreated:Put', bucket: 'photos', key: 'dog.jpg', eTag: 'abc', eventTime: '2026-11-29T15:00:00.000Z' };
const envelope = (trace?: { traceparent: string; tracestate?: string }): Envelope => ({
  delivery: 'cloudevent',
  eventId: 'ev-1',
  eventType: 'com.amazonaws.ObjectCreated:Put',
  ...(trace ? { trace } : {}),
  records: [event],
});
const model = { name: 'mobilenet_v1_0.75_224', version: 'abc123', backend: 'wasm' };
const at = new Date('2026-11-29T15:00:01.000Z');

describe('delivery info', () => {
  it('names the delivery and carries its trace context when one came', () => {
    expect(deliveryInfo(envelope(), event)).toEqual({ delivery: 'cloudevent', id: 'ev-1', type: 'com.amazonaws.ObjectCreated:Put', eventName: 'ObjectCreated:Put', eventTime: '2026-11-29T15:00:00.000Z' });
    expect(deliveryInfo(envelope({ traceparent: PARENT, tracestate: 'a=b' }), event)).toMatchObject({ traceparent: PARENT, tracestate: 'a=b' });
  });
});

describe('buildResult', () => {
  const input = {
    object: { bucket: 'photos', key: 'dog.jpg', eTag: 'abc', size: 100 },
    image: { format: 'jpeg', width: 10, height: 8 },
    model,
    predictions: [
      { label: 'malamute', index: 249, score: 0.42 },
      { label: 'husky', index: 250, score: 0.2 },
    ],
    lowConfidenceThreshold: 0.5,
    event: deliveryInfo(envelope({ traceparent: PARENT }), event),
    timings: { fetchMs: 1, decodeMs: 2, inferenceMs: 3, totalMs: 6 },
    resultKey: 'results/dog.jpg/etag-abc/mobilenet_v1_0.75_224@abc123.json',
    at,
  };

  it('top, confidence against the threshold, the time given, and a document the stored schema reads back', () => {
    const result = buildResult(input);
    expect(result).toMatchObject({ schema: 'bucket-ml.classification/v1', top: input.predictions[0], confidence: 'low', classifiedAt: '2026-11-29T15:00:01.000Z', event: { traceparent: PARENT } });
    expect(buildResult({ ...input, lowConfidenceThreshold: 0.4 }).confidence).toBe('high');
    expect(parseStoredResult(JSON.stringify(result), 'test')).toEqual(result);
  });

  it('refuses a model answer without classes', () => {
    expect(() => buildResult({ ...input, predictions: [] })).toThrow(/no classes/);
  });
});

describe('buildFailure', () => {
  const input = {
    object: { bucket: 'photos', key: 'dog.jpg', eTag: 'abc', size: 35, contentType: 'image/jpeg' },
    model,
    error: new FunctionError(415, 'not_an_image', 'the object is not an image sharp can read'),
    event: deliveryInfo(envelope({ traceparent: PARENT }), event),
    timings: { fetchMs: 1.5, totalMs: 2.5 },
    resultKey: 'results/dog.jpg/etag-abc/mobilenet_v1_0.75_224@abc123.failed.json',
    at,
  };

  it('records the error (never retryable), the object, model, delivery with its trace and the timings so far', () => {
    const failure = buildFailure(input);
    expect(failure).toEqual({
      schema: 'bucket-ml.classification-failure/v1',
      object: input.object,
      model,
      error: { status: 415, code: 'not_an_image', message: 'the object is not an image sharp can read', retryable: false },
      event: { delivery: 'cloudevent', id: 'ev-1', type: 'com.amazonaws.ObjectCreated:Put', eventName: 'ObjectCreated:Put', eventTime: '2026-11-29T15:00:00.000Z', traceparent: PARENT },
      timings: { fetchMs: 1.5, totalMs: 2.5 },
      resultKey: input.resultKey,
      failedAt: '2026-11-29T15:00:01.000Z',
    });
    expect(parseStoredFailure(JSON.stringify(failure), 'test')).toEqual(failure);
    expect(errorOf(failure)).toMatchObject({ status: 415, code: 'not_an_image', message: input.error.message, retryable: false });
    expect(unstored(failure)).not.toHaveProperty('resultKey');
  });

  it('a transient failure gets no document: it is retried', () => {
    expect(() => buildFailure({ ...input, error: new FunctionError(503, 'storage_unavailable', 'down') })).toThrow(/retryable/);
  });

  it('never carries the cause (internals) of the error', () => {
    const error = new FunctionError(403, 'access_denied', 'reading s3://photos/dog.jpg: access denied', undefined, { cause: new Error('secret=abc') });
    expect(JSON.stringify(buildFailure({ ...input, error }))).not.toContain('secret');
  });

  it('only failures the bytes decide are re-used for a duplicate delivery', () => {
    for (const code of ['not_an_image', 'unsupported_image', 'corrupt_image']) expect(isDecidedByContent(code), code).toBe(true);
    for (const code of ['object_gone', 'object_changed', 'access_denied', 'bucket_not_allowed', 'object_too_large', 'image_too_large', 'result_unreadable', 'storage_rejected']) {
      expect(isDecidedByContent(code), code).toBe(false);
    }
  });

  it('a stored document that is not a failure is unreadable, naming where it is', () => {
    expect(() => parseStoredFailure('{"schema":"bucket-ml.classification/v1"}', 's3://photos/x.failed.json')).toThrow(/s3:\/\/photos\/x\.failed\.json holds no classification failure/);
    expect(() => parseStoredFailure(JSON.stringify({ ...buildFailure(input), error: { status: 503, code: 'x', message: 'm', retryable: true } }), 'w')).toThrow(FunctionError);
  });
});

describe('Stopwatch', () => {
  it('times consecutive stages; so far has only the finished ones', async () => {
    const clock = new Stopwatch();
    await new Promise((r) => setTimeout(r, 5));
    clock.lap('fetch');
    const soFar = clock.soFar();
    expect(Object.keys(soFar).sort()).toEqual(['fetchMs', 'totalMs']);
    expect(soFar.fetchMs).toBeGreaterThan(0);
    expect(() => clock.complete()).toThrow();
    clock.lap('decode');
    clock.lap('inference');
    const all = clock.complete();
    expect(all.totalMs).toBeGreaterThanOrEqual(all.fetchMs + all.decodeMs + all.inferenceMs - 0.3);
  });
});
