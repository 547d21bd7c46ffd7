/**
 * What a Knative Broker or channel retries (knative/eventing pkg/kncloudevents/retries.go, SelectiveRetry):
 * no answer, any 5xx, 404, 408, 409 and 429. Every other status is final. The one model of it is the
 * Broker stand-in's (packages/local/src/eventing/delivery.ts).
 */
import { isRetryable, RETRIED_4XX } from '../../packages/local/src/eventing/delivery.ts';

export const KNATIVE_RETRIED_4XX: readonly number[] = RETRIED_4XX;

export function knativeRetries(status: number): boolean {
  return isRetryable(status);
}
