// Correlation: the trace context a delivery brings (CloudEvent distributed tracing extension, or the
// W3C `traceparent` header), and the fields every log line of an invocation carries.
import { CloudEvent, HTTP } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { correlate, correlationOf } from '../src/events/correlation.ts';
import { envelopeOf, fromCloudEvent, type IncomingCloudEvent } from '../src/events/envelope.ts';
import { traceContextOf, traceIdOf } from '../src/events/trace.ts';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const OTHER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const record = (key: string, requestId = 'req-7') => ({
  eventName: 'ObjectCreated:Put',
  responseElements: { 'x-amz-request-id': requestId },
  s3: { bucket: { name: 'photos' }, object: { key, eTag: 'abc', size: 10 } },
});

/** A CloudEvent as faas-js-runtime hands it over: sent in binary mode, parsed again. */
function received(extensions: Record<string, string> = {}, data: unknown = record('dog.jpg')): IncomingCloudEvent {
  const event = new CloudEvent({ id: 'ev-1', type: 'com.amazonaws.ObjectCreated:Put', source: 'ceph:s3.default.photos', subject: 'dog.jpg', datacontenttype: 'application/json', data, ...extensions });
  const message = HTTP.binary(event);
  return HTTP.toEvent(message) as CloudEvent<unknown> as IncomingCloudEvent;
}

describe('trace context of a delivery', () => {
  it('the CloudEvent extension (ce-traceparent, ce-tracestate) wins over the HTTP header', () => {
    const event = received({ traceparent: PARENT, tracestate: 'rojo=00f067aa0ba902b7' });
    expect(traceContextOf(event, { traceparent: OTHER })).toEqual({ traceparent: PARENT, tracestate: 'rojo=00f067aa0ba902b7' });
    expect(fromCloudEvent(event, { traceparent: OTHER }).trace).toEqual({ traceparent: PARENT, tracestate: 'rojo=00f067aa0ba902b7' });
  });

  it('the HTTP traceparent header, for a direct POST or a CloudEvent without the extension', () => {
    const headers = { traceparent: OTHER, tracestate: 'congo=t61rcWkgMzE' };
    expect(envelopeOf({ headers }, { Records: [record('dog.jpg')] }).trace).toEqual({ traceparent: OTHER, tracestate: 'congo=t61rcWkgMzE' });
    expect(envelopeOf({ cloudevent: received(), headers }, undefined).trace).toEqual({ traceparent: OTHER, tracestate: 'congo=t61rcWkgMzE' });
    expect(envelopeOf({ headers: { traceparent: [OTHER] } }, { Records: [record('dog.jpg')] }).trace).toEqual({ traceparent: OTHER });
  });

  it('none when none came, and an invalid one is ignored (tracing never fails a delivery)', () => {
    expect(envelopeOf({}, { Records: [record('dog.jpg')] })).not.toHaveProperty('trace');
    expect(envelopeOf({ cloudevent: received() }, undefined)).not.toHaveProperty('trace');
    for (const bad of ['', 'garbage', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`]) {
      expect(traceContextOf(undefined, { traceparent: bad, tracestate: 'a=b' }), bad).toBeUndefined();
    }
    // a tracestate alone is no trace context; an oversized one is dropped, the traceparent kept
    expect(traceContextOf(undefined, { tracestate: 'a=b' })).toBeUndefined();
    expect(traceContextOf(undefined, { traceparent: PARENT, tracestate: 'a='.padEnd(600, 'x') })).toEqual({ traceparent: PARENT });
  });

  it('the trace id is the second field', () => {
    expect(traceIdOf({ traceparent: PARENT })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('correlation fields', () => {
  it('a CloudEvent: its id, the object, the trace id', () => {
    expect(correlationOf(fromCloudEvent(received({ traceparent: PARENT })))).toEqual({ eventId: 'ev-1', bucket: 'photos', key: 'dog.jpg', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
  });

  it("a direct POST: RGW's request id and the object", () => {
    expect(correlate({ headers: {} }, { Records: [record('a/b.jpg', 'tx000-1')] })).toEqual({ eventId: 'tx000-1', bucket: 'photos', key: 'a/b.jpg' });
  });

  it('several records: the event id only (each record adds its object to its own lines)', () => {
    expect(correlate({}, { Records: [record('a.jpg'), record('b.jpg')] })).toEqual({ eventId: 'req-7' });
  });

  it('a delivery that cannot be read still has its CloudEvent id and subject', () => {
    expect(correlate({ cloudevent: received({}, { message: 'Hello World' }) }, undefined)).toEqual({ eventId: 'ev-1', key: 'dog.jpg' });
    expect(correlate({}, 'not json')).toEqual({});
  });
});
