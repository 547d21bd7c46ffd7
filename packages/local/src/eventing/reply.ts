/**
 * What the Broker makes of a subscriber's 2xx answer — knative/eventing pkg/broker/filter/filter_handler.go
 * (writeResponse): an empty body is fine; a body that is not a CloudEvent (binary `ce-*` headers or
 * `application/cloudevents+json`) is turned into 502 Bad Gateway ("The response MUST be either empty or a
 * valid CloudEvent"), and so is a CloudEvent that cannot be read. A 502 is then retried like any 5xx.
 */
import { encodingOf, fromHttp, InvalidEvent, type Event } from './cloudevent.js';
import type { HttpAnswer } from './http.js';

export type ReplyVerdict =
  | { kind: 'empty' }
  | { kind: 'event'; event: Event }
  | { kind: 'bad-gateway'; reason: string };

export function judgeReply(answer: HttpAnswer): ReplyVerdict {
  if (encodingOf(answer.headers) === 'unknown') {
    if (answer.body.length === 0) return { kind: 'empty' };
    return { kind: 'bad-gateway', reason: 'received a non-empty response not recognized as CloudEvent. The response MUST be either empty or a valid CloudEvent' };
  }
  try {
    return { kind: 'event', event: fromHttp(answer.headers, answer.body) };
  } catch (e) {
    if (e instanceof InvalidEvent) return { kind: 'bad-gateway', reason: `malformed CloudEvent reply: ${e.message}` };
    throw e;
  }
}
