import { CloudEvent } from 'cloudevents';
import { errorResponse, jsonResponse, type HttpResponse } from './vendor/core/index.js';
import type { Envelope } from './events/envelope.js';
import { CONFIDENCE_EXTENSION, RESULT_EVENT_TYPE } from './events/types.js';
import type { Outcome } from './pipeline.js';
import type { ClassificationResult } from './results/document.js';

/** A compact, secret-free account of one outcome, for HTTP replies. */
export function summarize(outcome: Outcome): Record<string, unknown> {
  const { bucket, key } = outcome.object;
  switch (outcome.status) {
    case 'classified':
      return { status: 'classified', bucket, key, resultKey: outcome.result.resultKey, top: outcome.result.top, result: outcome.result };
    case 'duplicate':
      return { status: 'duplicate', bucket, key, resultKey: outcome.resultKey };
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
 * The answer to one invocation. Any retryable failure makes the whole delivery retryable (the
 * results already stored are found again and skipped); permanent failures are 4xx only when
 * nothing in the delivery succeeded. One classified record from a CloudEvent gets a reply event;
 * duplicates and ignored events get a plain 200, which a Broker does not re-ingest.
 */
export function respond(outcomes: Outcome[], envelope: Envelope, eventSource: string): HttpResponse | CloudEvent<ClassificationResult> {
  const failures = outcomes.flatMap((o) => (o.status === 'failed' ? [o] : []));
  const retryable = failures.find((f) => f.error.retryable);
  const details = { outcomes: outcomes.map(summarize) };
  if (retryable) return withDetails(errorResponse(retryable.error), details);
  const first = failures[0];
  if (first && failures.length === outcomes.length) return withDetails(errorResponse(first.error), details);
  const only = outcomes.length === 1 ? outcomes[0] : undefined;
  if (envelope.delivery === 'cloudevent' && only?.status === 'classified') return resultEvent(only.result, eventSource);
  return jsonResponse(200, details);
}

function withDetails(response: HttpResponse, details: Record<string, unknown>): HttpResponse {
  return { ...response, body: { ...(response.body as object), ...details } };
}
