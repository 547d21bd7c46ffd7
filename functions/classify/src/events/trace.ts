/**
 * The W3C trace context a delivery came with, so a result can be found from the trace that caused it.
 * A CloudEvent carries it as the distributed tracing extension (`traceparent`, `tracestate` attributes,
 * `ce-traceparent` in binary mode); a Broker or any traced HTTP client also sends the plain HTTP
 * `traceparent` header. The extension wins: it names the event's own origin, the header only the hop.
 */

/** Request headers as Node hands them over (lower-case names). */
export type Headers = Record<string, string | string[] | undefined>;

export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

// version-traceid-parentid-flags, lower-case hex; version ff and all-zero ids are invalid (W3C Trace Context §3.2).
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/** W3C: at most 32 list members; 512 characters is what implementations are required to propagate. */
const MAX_TRACESTATE = 512;

const first = (value: unknown): string | undefined => {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v.trim() : undefined;
};

function fromPair(traceparent: unknown, tracestate: unknown): TraceContext | undefined {
  const parent = first(traceparent)?.toLowerCase();
  // An invalid traceparent is ignored, not refused: tracing is advisory and must never fail a delivery.
  if (!parent || !TRACEPARENT.test(parent)) return undefined;
  const state = first(tracestate);
  return { traceparent: parent, ...(state && state.length <= MAX_TRACESTATE ? { tracestate: state } : {}) };
}

/** The trace context of a delivery: from the CloudEvent's extension attributes, else the HTTP headers. */
export function traceContextOf(cloudevent: Record<string, unknown> | undefined, headers: Headers | undefined): TraceContext | undefined {
  return (cloudevent && fromPair(cloudevent.traceparent, cloudevent.tracestate)) ?? (headers && fromPair(headers.traceparent, headers.tracestate)) ?? undefined;
}

/** The trace id alone (the second field of traceparent): what log collectors join on. */
export function traceIdOf(trace: TraceContext): string {
  return trace.traceparent.split('-')[1] ?? '';
}
