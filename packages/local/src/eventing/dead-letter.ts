/**
 * The extensions a dead-lettered event gains — knative/eventing pkg/kncloudevents/attributes/knative_error.go
 * (knativeerrordest, knativeerrorcode, knativeerrordata = base64 of the response body, cut at 1024
 * characters) as the default MTChannelBasedBroker produces them: the channel dispatcher
 * (pkg/kncloudevents/event_dispatcher.go dispatchExecutionInfoTransformers) reads the destination and
 * body back from the `{"errDestination","errResponseBody"}` JSON the broker filter answers with
 * (filter_handler.go send). Two consequences are modelled on purpose:
 * - a subscriber that answered nothing (refused/reset) shows as code 500, data "dispatch error: …"
 *   (executeRequest sets both when the request fails);
 * - when the filter itself wrote no such JSON — its 502 for a reply that is not a CloudEvent, or an
 *   attempt cut by the delivery timeout — the channel finds nothing to decode and adds no extensions.
 */
export const KNATIVE_ERROR_DATA_MAX = 1024;

export type FailedAttempt =
  | { kind: 'status'; destination: string; status: number; body: Buffer }
  | { kind: 'no-response'; destination: string; error: string }
  | { kind: 'bad-gateway' }
  | { kind: 'timeout' };

export function knativeErrorExtensions(last: FailedAttempt): Record<string, string> {
  switch (last.kind) {
    case 'status':
      return errorExtensions(last.destination, last.status, last.body);
    case 'no-response':
      return errorExtensions(last.destination, 500, Buffer.from(`dispatch error: ${last.error}`, 'utf8'));
    case 'bad-gateway':
    case 'timeout':
      return {};
  }
}

function errorExtensions(destination: string, code: number, body: Buffer): Record<string, string> {
  return {
    knativeerrordest: destination,
    knativeerrorcode: String(code),
    knativeerrordata: body.toString('base64').slice(0, KNATIVE_ERROR_DATA_MAX),
  };
}

/** The status the channel saw for the attempt (what SelectiveRetry judges); undefined = no response. */
export function observedStatus(last: FailedAttempt): number | undefined {
  switch (last.kind) {
    case 'status':
      return last.status;
    case 'no-response':
      return 500;
    case 'bad-gateway':
      return 502;
    case 'timeout':
      return undefined;
  }
}
