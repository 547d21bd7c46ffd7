/**
 * What a Knative Broker or channel retries (knative/eventing pkg/kncloudevents/retries.go, SelectiveRetry):
 * no answer, any 5xx, 404, 408, 409 and 429. Every other status is final.
 */
export const KNATIVE_RETRIED_4XX: readonly number[] = [404, 408, 409, 429];

export function knativeRetries(status: number): boolean {
  return status >= 500 || KNATIVE_RETRIED_4XX.includes(status);
}
