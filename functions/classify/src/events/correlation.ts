/**
 * The fields that tie a log line to the delivery it belongs to: the event id (CloudEvent id, or RGW's
 * request id for a plain POST), the object (bucket, key) and the trace id. Every line of an invocation
 * carries them (a child logger per invocation, and per record when one delivery carries several).
 */
import { envelopeOf, type Delivered, type Envelope } from './envelope.js';
import type { ObjectEvent } from './record.js';
import { traceIdOf } from './trace.js';

export type LogFields = Record<string, unknown>;

/** The object a record is about. */
export function recordFields(event: ObjectEvent): LogFields {
  return { bucket: event.bucket, key: event.key };
}

/** Invocation-wide fields; the object only when the delivery names one (RGW and CephSource always do). */
export function correlationOf(envelope: Envelope): LogFields {
  const only = envelope.records.length === 1 ? envelope.records[0] : undefined;
  return {
    ...(envelope.eventId ? { eventId: envelope.eventId } : {}),
    ...(only ? recordFields(only) : {}),
    ...(envelope.trace ? { traceId: traceIdOf(envelope.trace) } : {}),
  };
}

/**
 * The same for a raw invocation, never throwing: a delivery that cannot be read still has a CloudEvent
 * id and usually a subject (the key), and its error line should carry them.
 */
export function correlate(delivered: Delivered, body: unknown): LogFields {
  try {
    return correlationOf(envelopeOf(delivered, body));
  } catch {
    const event = delivered.cloudevent;
    return event ? { eventId: event.id, ...(event.subject ? { key: event.subject } : {}) } : {};
  }
}
