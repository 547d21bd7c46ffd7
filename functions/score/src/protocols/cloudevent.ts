import { CloudEvent, type CloudEventV1 } from 'cloudevents';
import type { Served } from '../served.js';
import type { HttpResponse } from '../vendor/core/index.js';
import { routeBody } from './router.js';

/**
 * A CloudEvent carrying any request body this function accepts (rows, Seldon, inference) is answered
 * with a CloudEvent carrying the response, so a Trigger can route scoring requests here and the broker
 * forwards the reply. A request the function cannot answer gets a plain 4xx that Knative does not retry
 * (sent to the dead-letter sink; an unknown model is 422, not 404), a failure of its own a 5xx (retried).
 */
export const RESPONSE_TYPE = 'io.bucketml.score.completed.v1';
export const RESPONSE_SOURCE = '/bucket-ml/score';

export function handleEvent(event: CloudEventV1<unknown>, queryModel: string | undefined, served: Served): CloudEvent<unknown> | HttpResponse {
  const extension = event['model'];
  const model = queryModel ?? (typeof extension === 'string' && extension !== '' ? extension : undefined);
  const response = routeBody(event.data, event.datacontenttype, model, served);
  // Knative retries 404 (knative/eventing pkg/kncloudevents/retries.go); a model that is not served
  // will not appear on retry, so a delivery naming one is refused as unprocessable instead.
  if (response.statusCode === 404) return { ...response, statusCode: 422 };
  if (response.statusCode !== 200) return response;
  return new CloudEvent<unknown>({
    type: RESPONSE_TYPE,
    source: RESPONSE_SOURCE,
    ...(event.subject === undefined ? {} : { subject: event.subject }),
    datacontenttype: 'application/json',
    data: response.body,
    // Lets the sender correlate the reply with its request.
    requestid: event.id,
  });
}
