import { CloudEvent } from 'cloudevents';
import { errorResponse, jsonResponse, type FunctionError, type HttpResponse } from './vendor/core/index.js';
import type { Envelope } from './events/envelope.js';
import type { TraceContext } from './events/trace.js';
import { CONFIDENCE_EXTENSION, ERROR_EXTENSION, FAILED_EVENT_TYPE, RESULT_EVENT_TYPE } from './events/types.js';
import type { Outcome } from './outcome.js';
import type { ClassificationResult } from './results/document.js';
import type { ClassificationFailure } from './results/failure.js';

export type Reply = HttpResponse | CloudEvent<ClassificationResult> | CloudEvent<ClassificationFailure>;

/**
 * An empty 2xx: "received, nothing to send on". faas-js-runtime sends the empty body as is (and Node
 * sends none at all for a 204), which a Broker accepts as a reply without an event.
 */
export const NO_CONTENT: HttpResponse = Object.freeze({ statusCode: 204, headers: {}, body: '' });

/** A compact, secret-free account of one outcome, for HTTP replies. */
export function summarize(outcome: Outcome): Record<string, unknown> {
  const { bucket, key } = outcome.object;
  switch (outcome.status) {
    case 'classified':
      return { status: 'classified', bucket, key, resultKey: outcome.result.resultKey, top: outcome.result.top, result: outcome.result };
    case 'duplicate':
      return { status: 'duplicate', bucket, key, resultKey: outcome.result.resultKey, top: outcome.result.top };
    case 'ignored':
      return { status: 'ignored', bucket, key, reason: outcome.reason };
    case 'failed': {
      const stored = outcome.failure?.resultKey;
      return { status: 'failed', bucket, key, error: { code: outcome.error.code, message: outcome.error.message, retryable: outcome.error.retryable }, ...(stored ? { resultKey: stored } : {}) };
    }
  }
}

/** Distributed tracing extension attributes: this delivery's trace context, when one came in. */
const traceAttributes = (trace: TraceContext | undefined): Record<string, string> => ({ ...trace });

export function resultEvent(result: ClassificationResult, source: string, trace?: TraceContext): CloudEvent<ClassificationResult> {
  return new CloudEvent<ClassificationResult>({
    // The result key names one object version: re-sending it yields the same id, which lets
    // consumers de-duplicate too.
    id: result.resultKey,
    type: RESULT_EVENT_TYPE,
    source,
    subject: result.object.key,
    datacontenttype: 'application/json',
    data: result,
    [CONFIDENCE_EXTENSION]: result.confidence,
    ...traceAttributes(trace),
  });
}

/**
 * The failed event. Its id is the failure's key (stable per object version and model, like a
 * result's); a failure that could not be stored is named after the delivery that met it instead.
 */
export function failureEvent(failure: ClassificationFailure, source: string, deliveryId: string, trace?: TraceContext): CloudEvent<ClassificationFailure> {
  return new CloudEvent<ClassificationFailure>({
    id: failure.resultKey ?? `${deliveryId}/${failure.object.bucket}/${failure.object.key}`,
    type: FAILED_EVENT_TYPE,
    source,
    subject: failure.object.key,
    datacontenttype: 'application/json',
    data: failure,
    [ERROR_EXTENSION]: failure.error.code,
    ...traceAttributes(trace),
  });
}

/**
 * The answer to one invocation.
 *
 * A CloudEvent delivery (CephSource, RGW 17+, a Broker, `func invoke --format cloudevent`) is answered
 * the way a Broker needs: a reply is empty or a CloudEvent, anything else becomes a 502 it retries and
 * dead-letters (knative/eventing pkg/broker/filter/filter_handler.go). So one record gets the event of
 * its fate: the result (new, or stored by an earlier attempt: same id, same data each time, so a
 * consumer still gets it when the first attempt timed out after the work was done) or, for a
 * permanent failure, the failed event, both with a 2xx the Broker routes on. Anything else that did
 * not fail transiently (an ignored event, several records) gets an empty 204: one reply carries one
 * event, and RGW and CephSource send one record per event, so results and failures of several records
 * are stored but not sent on.
 *
 * A direct HTTP POST (RGW 16 pushing to the function, `npm start`, `npm run invoke --format http`) gets
 * a JSON summary of every record.
 */
export function respond(outcomes: Outcome[], envelope: Envelope, eventSource: string): Reply {
  const failure = failureToAnswer(outcomes, envelope);
  if (failure) return withDetails(errorResponse(failure), { outcomes: outcomes.map(summarize) });
  if (envelope.delivery === 'http') return jsonResponse(200, { outcomes: outcomes.map(summarize) });
  const only = outcomes.length === 1 ? outcomes[0] : undefined;
  if (only?.status === 'classified' || only?.status === 'duplicate') return resultEvent(only.result, eventSource, envelope.trace);
  if (only?.status === 'failed' && only.failure) return failureEvent(only.failure, eventSource, envelope.eventId ?? 'delivery', envelope.trace);
  return NO_CONTENT;
}

/**
 * The failure the status must carry, if any. Any transient failure makes the whole delivery
 * retryable: the results already stored are found again and re-used.
 *
 * Over CloudEvents a permanent failure is an answer, not an error: one record's failure is sent on as
 * the failed event, several records' failures are stored like their results. Only a permanent failure
 * that is neither (several records, and its document could not be stored) answers its status, so the
 * Broker dead-letters the event rather than dropping the record silently.
 *
 * A direct HTTP caller reads the failures in the summary: a partial success is a 200, and the status
 * of the first failure is answered only when every record failed (RGW 16 only logs it).
 */
function failureToAnswer(outcomes: Outcome[], envelope: Envelope): FunctionError | undefined {
  const failures = outcomes.flatMap((o) => (o.status === 'failed' ? [o] : []));
  const retryable = failures.find((f) => f.error.retryable);
  if (retryable) return retryable.error;
  if (envelope.delivery === 'http') return failures.length === outcomes.length ? failures[0]?.error : undefined;
  if (outcomes.length === 1) return failures[0]?.failure ? undefined : failures[0]?.error;
  return failures.find((f) => !f.failure?.resultKey)?.error;
}

function withDetails(response: HttpResponse, details: Record<string, unknown>): HttpResponse {
  return { ...response, body: { ...(response.body as object), ...details } };
}
