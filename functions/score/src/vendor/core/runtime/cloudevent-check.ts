// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * Is a CloudEvent delivery one faas-js-runtime can take? The runtime parses and validates deliveries
 * before `handle` runs and answers a failure with 500, which Knative retries until the event is
 * dead-lettered; this check runs first so a malformed delivery gets a deliberate 400 instead (pure:
 * headers and body in, problems out).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CONSTANTS, HTTP, V1, ValidationError, type CloudEvent } from 'cloudevents';

/** How a request says it carries a CloudEvent (HTTP protocol binding 1.0, §3), if it does. */
export type DeliveryMode = 'binary' | 'structured' | 'batch';

const { ID, SOURCE, SPEC_VERSION, TYPE } = CONSTANTS.CE_ATTRIBUTES;
/** The REQUIRED context attributes of CloudEvents 1.0. */
const REQUIRED = [SPEC_VERSION, ID, SOURCE, TYPE] as const;
const binaryHeader = (attribute: string): string => `${CONSTANTS.EXTENSIONS_PREFIX}${attribute}`;

/**
 * A structured-mode content type, or `ce-specversion` (how the binding identifies binary mode), or
 * `ce-id` (how the SDK, and so the runtime, detects it). Anything else is plain HTTP.
 */
export function deliveryMode(headers: IncomingHttpHeaders): DeliveryMode | undefined {
  const contentType = String(headers[CONSTANTS.HEADER_CONTENT_TYPE] ?? '').toLowerCase();
  if (contentType.startsWith(CONSTANTS.MIME_CE_BATCH)) return 'batch';
  if (contentType.startsWith(CONSTANTS.MIME_CE)) return 'structured';
  if (headers[binaryHeader(SPEC_VERSION)] !== undefined || headers[binaryHeader(ID)] !== undefined) return 'binary';
  return undefined;
}

const absent = (value: unknown): boolean => value === undefined || value === null || value === '';

/**
 * Everything wrong with a delivery, in one sentence for the client; undefined when it is a valid
 * CloudEvent 1.0. `body` is needed for structured mode only: in binary mode the attributes are all in
 * headers, and the data is left to the runtime's body parsers as before.
 *
 * Presence of the four REQUIRED attributes is checked here because the SDK cannot see it: its
 * CloudEvent constructor invents a random `id` and assumes `specversion` 1.0 when they are missing,
 * it detects binary mode by `ce-id` (so without one the runtime calls `handle` with no event at all),
 * and its schema check stops at the first missing attribute. Everything else (attribute formats and
 * names, JSON, content types) is the SDK's own `HTTP.toEvent` + `validate`, as the runtime runs them.
 */
export function cloudEventProblems(mode: DeliveryMode, headers: IncomingHttpHeaders, body?: string): string | undefined {
  if (mode === 'batch') {
    return `batched CloudEvents (${CONSTANTS.MIME_CE_BATCH}) are not accepted: send one event per request`;
  }
  let attributes: Record<string, unknown>;
  if (mode === 'binary') {
    attributes = Object.fromEntries(REQUIRED.map((name) => [name, headers[binaryHeader(name)]]));
  } else {
    const parsed = parseJson(body ?? '');
    if ('error' in parsed) return `structured-mode CloudEvent whose body is not JSON (${parsed.error})`;
    if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
      return 'structured-mode CloudEvent whose body is not a JSON object';
    }
    attributes = parsed.value as Record<string, unknown>;
  }
  const missing = REQUIRED.filter((name) => absent(attributes[name]));
  if (missing.length > 0) {
    const names = (list: readonly string[]) => list.map((n) => (mode === 'binary' ? binaryHeader(n) : `"${n}"`)).join(', ');
    return `${mode}-mode CloudEvent without ${names(missing)} (CloudEvents 1.0 requires ${names(REQUIRED)})`;
  }
  if (attributes[SPEC_VERSION] !== V1) {
    return `CloudEvents specversion ${JSON.stringify(attributes[SPEC_VERSION])} is not supported: send specversion "${V1}"`;
  }
  try {
    const event = HTTP.toEvent({ headers, body: mode === 'binary' ? undefined : body }) as CloudEvent | CloudEvent[];
    // validate() throws on an invalid 1.0 event (and returns false only for other spec versions, excluded above)
    if (!Array.isArray(event)) event.validate();
  } catch (error) {
    return `invalid ${mode}-mode CloudEvent: ${describeValidation(error)}`;
  }
  return undefined;
}

function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The SDK's schema errors (ajv objects) as `source must match format "uri-reference"`. */
function describeValidation(error: unknown): string {
  if (error instanceof ValidationError && Array.isArray(error.errors) && error.errors.length > 0) {
    return error.errors
      .map((e) => {
        if (typeof e !== 'object' || e === null) return String(e);
        const { instancePath, message } = e as { instancePath?: string; message?: string };
        return `${instancePath ? instancePath.slice(1) : 'event'} ${message ?? 'is invalid'}`;
      })
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
