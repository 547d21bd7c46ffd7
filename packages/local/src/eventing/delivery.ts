/**
 * A Trigger's (or Broker's) delivery spec and what Knative does with it.
 *
 * - Fields: knative/eventing pkg/apis/duck/v1/delivery_types.go (retry, backoffPolicy linear|exponential,
 *   backoffDelay and timeout as ISO 8601 durations, retryAfterMax, deadLetterSink). A Trigger without
 *   `delivery` uses its Broker's (pkg/reconciler/broker/trigger: the Subscription gets the Trigger's spec,
 *   else the Broker's).
 * - Which answers are retried: pkg/kncloudevents/retries.go SelectiveRetry — no response, any 5xx, 404,
 *   408, 409, 429; nothing else.
 * - How long to wait: retries.go RetryConfigFromDeliverySpec + generateBackoffFn, driven by
 *   hashicorp/go-retryablehttp's Do loop, which passes attemptNum 0 before the first retry:
 *   exponential waits delay·2^n (delay, 2·delay, 4·delay …), linear waits delay·n (0, delay, 2·delay …);
 *   without both policy and delay there is no wait. Retry-After (429/503) counts only with retryAfterMax,
 *   capped by it.
 * - `timeout` is per attempt (an http.Client Timeout in DoWithRetries, pkg/kncloudevents/event_dispatcher.go).
 */
import { z } from 'zod';

const ISO_DURATION = /^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** ISO 8601 duration (`PT2S`, `PT0.5S`, `P1DT1H`) in ms; years and months as 365 and 30 days (rickb777/date/period). */
export function parseIsoDuration(text: string): number {
  const m = ISO_DURATION.exec(text);
  if (!m) throw new Error(`not an ISO 8601 duration: ${JSON.stringify(text)} (e.g. PT2S, PT0.5S, PT1M)`);
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as [number, number, number, number, number, number, number];
  const days = y * 365 + mo * 30 + w * 7 + d;
  return Math.round((((days * 24 + h) * 60 + mi) * 60 + s) * 1000);
}

const duration = z.string().transform((v, ctx) => {
  try {
    return parseIsoDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const destination = z.object({
  ref: z.object({ apiVersion: z.string().optional(), kind: z.string(), name: z.string(), namespace: z.string().optional() }).optional(),
  uri: z.string().optional(),
});
export type Destination = z.infer<typeof destination>;

/** The delivery spec as written in a manifest. */
export const deliverySpecSchema = z.object({
  retry: z.number().int().min(0).optional(),
  backoffPolicy: z.enum(['linear', 'exponential']).optional(),
  backoffDelay: duration.optional(),
  timeout: duration.optional(),
  retryAfterMax: duration.optional(),
  deadLetterSink: destination.optional(),
  format: z.enum(['json', 'binary']).optional(),
});
export type DeliverySpec = z.infer<typeof deliverySpecSchema>;

export { destination as destinationSchema };

/** The 4xx statuses retries.go SelectiveRetry retries (with no response and any 5xx). */
export const RETRIED_4XX: readonly number[] = [404, 408, 409, 429];

/** retries.go SelectiveRetry: `status` undefined means no response (refused, reset, timed out). */
export function isRetryable(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status >= 500 || RETRIED_4XX.includes(status);
}

/** event_dispatcher.go isFailure: anything outside 2xx is a failed attempt. */
export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** Delay before the retry that follows attempt `attempt` (1-based), in ms. */
export function backoffMs(spec: DeliverySpec, attempt: number, response?: { status: number; retryAfter?: string }): number {
  const n = attempt - 1; // go-retryablehttp's attemptNum: 0 before the first retry
  let wait = 0;
  if (spec.backoffPolicy && spec.backoffDelay !== undefined) {
    wait = spec.backoffPolicy === 'exponential' ? spec.backoffDelay * 2 ** n : spec.backoffDelay * n;
  }
  if (spec.retryAfterMax !== undefined && response && (response.status === 429 || response.status === 503)) {
    const after = Math.min(retryAfterMs(response.retryAfter), spec.retryAfterMax);
    if (after > wait) wait = after;
  }
  return wait;
}

/** Retry-After as seconds or an HTTP date (retries.go parseRetryAfterDuration); 0 when absent or bad. */
function retryAfterMs(value: string | undefined): number {
  if (!value) return 0;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? 0 : Math.max(0, at - Date.now());
}
