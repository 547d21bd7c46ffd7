// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * Failures a function answers deliberately, each with the status that tells the sender whether to try
 * again. Knative retries 5xx, 404, 408, 409 and 429 (knative/eventing pkg/kncloudevents/retries.go) and
 * nothing else, so a permanent failure that answers an event uses another 4xx (410 for "gone", not 404).
 */
export class FunctionError extends Error {
  override readonly name = 'FunctionError';
  /** HTTP headers the answer carries (e.g. Retry-After on an overload). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    /** Stable, machine-readable name of the problem (`not_an_image`, `object_gone`, ...). */
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options?.headers ?? {};
  }

  /** True when the sender should try again later (5xx); permanent failures avoid Knative's retried 4xx. */
  get retryable(): boolean {
    return this.status >= 500;
  }
}

export const badRequest = (code: string, message: string, details?: unknown): FunctionError =>
  new FunctionError(400, code, message, details);

export const unavailable = (code: string, message: string, cause?: unknown): FunctionError =>
  new FunctionError(503, code, message, undefined, { cause });

/** The message of anything thrown, for logs (never for responses: it may carry internals). */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
