import { CloudEvent } from 'cloudevents';
import { errorResponse, jsonResponse, type FunctionError, type HttpResponse } from './vendor/core/index.js';
import type { Delivery, Envelope } from './events/envelope.js';
import { CONFIDENCE_EXTENSION, RESULT_EVENT_TYPE } from './events/types.js';
import type { Outcome } from './pipeline.js';
import type { ClassificationResult } from './results/document.js';

export type Reply = HttpResponse | CloudEvent<ClassificationResult>;

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
    case 'failed':
      return { status: 'failed', bucket, key, error: { code: outcome.error.code, message: outcome.error.message, retryable: outcome.error.retryable } };
  }
}

export function resultEvent(result: ClassificationResult, source: string): CloudEvent<ClassificationResult> {
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
  });
}

/**
 * The answer to one invocation.
 *
 * A CloudEvent delivery (CephSource, RGW 17+, a Broker, `func invoke --format cloudevent`) is answered
 * the way a Broker needs: a reply is empty or a CloudEvent, anything else becomes a 502 it retries and
 * dead-letters (knative/eventing pkg/broker/filter/filter_handler.go). So one record that has a result,
 * new or stored by an earlier attempt, gets the result event (same id, same data each time: a consumer
 * still gets it when the first attempt timed out after the work was done); anything else that succeeded
 * (an ignored event, several records) gets an empty 204. Results of several records are stored but not
 * sent on: one reply carries one event, and RGW and CephSource send one record per event.
 *
 * A direct HTTP POST (RGW 16 pushing to the function, `npm start`, `npm run invoke --format http`) gets
 * a JSON summary of every record.
 *
 * Failures answer with the error's status, which decides retry or dead letter.
 */
export function respond(outcomes: Outcome[], envelope: Envelope, eventSource: string): Reply {
  const failure = failureToAnswer(outcomes, envelope.delivery);
  if (failure) return withDetails(errorResponse(failure), { outcomes: outcomes.map(summarize) });
  if (envelope.delivery === 'http') return jsonResponse(200, { outcomes: outcomes.map(summarize) });
  const only = outcomes.length === 1 ? outcomes[0] : undefined;
  if (only?.status === 'classified' || only?.status === 'duplicate') return resultEvent(only.result, eventSource);
  return NO_CONTENT;
}

/**
 * Any retryable failure makes the whole delivery retryable: the results already stored are found again
 * and re-used. A permanent failure is answered when nothing succeeded; over CloudEvents also when
 * something did, since a Broker reads nothing but the status and would otherwise drop the failed record
 * silently: the event is dead-lettered, and a replay finds the stored results as duplicates. A direct
 * HTTP caller reads the failures in the summary, so there a partial success is a 200.
 */
function failureToAnswer(outcomes: Outcome[], delivery: Delivery): FunctionError | undefined {
  const failures = outcomes.flatMap((o) => (o.status === 'failed' ? [o.error] : []));
  const retryable = failures.find((f) => f.retryable);
  if (retryable) return retryable;
  if (delivery === 'cloudevent' || failures.length === outcomes.length) return failures[0];
  return undefined;
}

function withDetails(response: HttpResponse, details: Record<string, unknown>): HttpResponse {
  return { ...response, body: { ...(response.body as object), ...details } };
}
