import { z } from 'zod';
import { badRequest, FunctionError } from '../vendor/core/index.js';
import { s3RecordSchema, toObjectEvent, type ObjectEvent } from './record.js';
import { traceContextOf, type Headers, type TraceContext } from './trace.js';
import { S3_EVENT_TYPE_PREFIX } from './types.js';

/** The CloudEvent attributes envelope parsing looks at (the runtime hands us a cloudevents CloudEvent). */
export interface IncomingCloudEvent {
  id: string;
  type: string;
  source: string;
  subject?: string | undefined;
  data?: unknown;
  /** Extension attributes (`traceparent` …) are properties of the event too. */
  [extension: string]: unknown;
}

/** What a delivery is read from: faas-js-runtime's context (the CloudEvent it parsed, the request headers). */
export interface Delivered {
  cloudevent?: IncomingCloudEvent | undefined;
  headers?: Headers | undefined;
}

/** How the records arrived: decides nothing but is logged and stored with the result. */
export type Delivery = 'http' | 'cloudevent';

export interface Envelope {
  delivery: Delivery;
  /** CloudEvent id, or the request id RGW put in the record; used in logs and the result. */
  eventId?: string;
  eventType?: string;
  eventSource?: string;
  /** The delivery's W3C trace context, carried into results and reply events. */
  trace?: TraceContext;
  records: ObjectEvent[];
}

export const EXPECTED_SHAPE =
  'send an S3 bucket notification: {"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"photos"},"object":{"key":"dog.jpg"}}}]}, ' +
  'or one such record as CloudEvent data (type com.amazonaws.ObjectCreated:Put); examples in functions/classify/events/';

const recordsDocument = z.object({ Records: z.array(z.unknown()).min(1, 'Records is empty') });

function asJson(data: unknown): unknown {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    try {
      return JSON.parse(text);
    } catch {
      throw badRequest('malformed_event', `event data is not JSON; ${EXPECTED_SHAPE}`);
    }
  }
  return data;
}

function isRecordLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 's3' in value;
}

function parseRecords(items: unknown[], fallbackEventName: string | undefined): ObjectEvent[] {
  return items.map((item, index) => {
    const parsed = s3RecordSchema.safeParse(item);
    if (!parsed.success) {
      throw badRequest(
        'malformed_event',
        `record ${index} is not an S3 event record; ${EXPECTED_SHAPE}`,
        parsed.error.issues.map((i) => ({ path: ['Records', index, ...i.path].join('.'), message: i.message })),
      );
    }
    const event = toObjectEvent(parsed.data, fallbackEventName);
    if (!event) throw badRequest('malformed_event', `record ${index} has no eventName; ${EXPECTED_SHAPE}`);
    return event;
  });
}

/** The records of a `{"Records":[…]}` document, or of one bare record (what CephSource sends as data). */
function recordsOf(data: unknown, fallbackEventName?: string): ObjectEvent[] {
  const doc = recordsDocument.safeParse(data);
  if (doc.success) return parseRecords(doc.data.Records, fallbackEventName);
  if (isRecordLike(data)) return parseRecords([data], fallbackEventName);
  if (typeof data === 'object' && data !== null && 'Records' in data) {
    throw badRequest('malformed_event', `Records must be a non-empty array; ${EXPECTED_SHAPE}`);
  }
  throw badRequest('unsupported_event', `not an S3 event notification; ${EXPECTED_SHAPE}`);
}

/** A plain HTTP POST: what RGW pushes to an http(s) endpoint, or `func invoke --format http`. */
export function fromHttpBody(body: unknown, headers?: Headers): Envelope {
  if (body === undefined || body === null || body === '') {
    throw badRequest('empty_request', `the request has no body; ${EXPECTED_SHAPE}`);
  }
  const records = recordsOf(asJson(body));
  const first = records[0];
  const trace = traceContextOf(undefined, headers);
  return { delivery: 'http', ...(first?.requestId ? { eventId: first.requestId } : {}), ...(trace ? { trace } : {}), records };
}

/**
 * A CloudEvent: from CephSource (one record as data), from RGW 17+ (a Records document), from a
 * Broker (either, plus Knative extensions) or from `func invoke`. The data decides, not the type,
 * so a `func invoke` with a record works whatever type it carries.
 */
export function fromCloudEvent(event: IncomingCloudEvent, headers?: Headers): Envelope {
  const fallbackEventName = event.type.startsWith(S3_EVENT_TYPE_PREFIX) ? event.type.slice(S3_EVENT_TYPE_PREFIX.length) : undefined;
  if (event.data === undefined || event.data === null) {
    throw badRequest('empty_event', `CloudEvent ${event.type} has no data; ${EXPECTED_SHAPE}`);
  }
  const records = recordsOf(asJson(event.data), fallbackEventName);
  const trace = traceContextOf(event, headers);
  return { delivery: 'cloudevent', eventId: event.id, eventType: event.type, eventSource: event.source, ...(trace ? { trace } : {}), records };
}

/** The envelope of one invocation, however it arrived. */
export function envelopeOf(delivered: Delivered, body: unknown): Envelope {
  return delivered.cloudevent ? fromCloudEvent(delivered.cloudevent, delivered.headers) : fromHttpBody(body, delivered.headers);
}

/**
 * Refuses a delivery with more records than one request may carry, before any of them costs an S3
 * call: RGW and CephSource send one per request, and a long batch would outlive the delivery timeout
 * and be retried whole. 413 is final for Knative; the sender can split the batch.
 */
export function checkRecordCount(envelope: Envelope, maxRecords: number): void {
  const count = envelope.records.length;
  if (count > maxRecords) {
    throw new FunctionError(413, 'too_many_records', `${count} records in one request; at most ${maxRecords} (MAX_RECORDS): send them in smaller batches`);
  }
}
