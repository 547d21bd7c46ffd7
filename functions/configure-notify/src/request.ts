/**
 * What callers send the function, and the bearer-token check.
 *
 * HTTP:       POST {"operation": "apply", "document": {...} | "<yaml>"}            (application/json)
 *             POST <yaml or json document>?operation=plan                          (application/yaml, text/plain)
 *             delete by name: {"operation": "delete", "topics": [...], "notifications": [{"bucket", "id"}]}
 * CloudEvent: data = the same JSON; the operation may also be the type's last part
 *             (io.bucketml.notifications.apply.v1 → apply).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { badRequest, type FunctionError } from './vendor/core/index.js';
import { formatPath, parseState, StateValidationError, type NotificationState, type Problem } from './state/schema.js';

export const OPERATIONS = ['apply', 'plan', 'get', 'delete'] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** Reply type: never one a request could be mistaken for (a Broker re-ingests replies). */
export const REPORT_EVENT_TYPE = 'io.bucketml.notifications.report.v1';
export const REQUEST_EVENT_TYPE_PATTERN = /\.(apply|plan|get|delete)(\.v\d+)?$/;

export interface OperationRequest {
  operation: OperationName;
  document?: NotificationState;
  /** delete/get by name, without a document. */
  topics?: string[];
  notifications?: Array<{ bucket: string; id: string }>;
  /** delete: report only. */
  dryRun?: boolean;
}

export const USAGE = {
  http: 'POST {"operation": "apply"|"plan"|"get"|"delete", "document": <NotificationState object or YAML text>} with Authorization: Bearer <token>',
  yaml: 'POST <NotificationState YAML>?operation=apply with Content-Type: application/yaml',
  deleteByName: '{"operation": "delete", "topics": ["name"], "notifications": [{"bucket": "b", "id": "n"}], "dryRun": false}',
  cloudEvent: 'any type, data = the JSON above (or type io.bucketml.notifications.<operation>.v1); reply type ' + REPORT_EVENT_TYPE,
};

const envelopeSchema = z.strictObject({
  operation: z.enum(OPERATIONS, { error: `must be one of ${OPERATIONS.join(', ')}` }),
  document: z.unknown().optional(),
  topics: z.array(z.string().min(1)).optional(),
  notifications: z.array(z.strictObject({ bucket: z.string().min(1), id: z.string().min(1) })).optional(),
  /** apply/delete: report only (apply with dryRun is plan). */
  dryRun: z.boolean().optional(),
});

function invalidRequest(problems: Problem[]): FunctionError {
  return badRequest('invalid_request', `the request is invalid: ${problems.map((p) => `${p.path || '(body)'}: ${p.message}`).join('; ')}`, { problems, usage: USAGE });
}

function invalidDocument(error: StateValidationError): FunctionError {
  return badRequest('invalid_document', `the document is invalid (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'})`, { problems: error.problems });
}

/** Builds the request from a parsed JSON envelope (HTTP body or CloudEvent data). */
export function requestFromEnvelope(value: unknown, fallbackOperation?: string): OperationRequest {
  const input = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : value;
  if (input && typeof input === 'object' && !('operation' in input) && fallbackOperation) (input as Record<string, unknown>).operation = fallbackOperation;
  const parsed = envelopeSchema.safeParse(input);
  if (!parsed.success) {
    throw invalidRequest(
      parsed.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ path: formatPath([...i.path, k]), message: 'unknown field' })) : [{ path: formatPath(i.path), message: i.message }],
      ),
    );
  }
  const { operation, document, topics, notifications, dryRun } = parsed.data;
  const byName = topics !== undefined || notifications !== undefined;
  if ((operation === 'apply' || operation === 'plan') && document === undefined) throw invalidRequest([{ path: 'document', message: `is required for ${operation}` }]);
  if (operation === 'delete' && document === undefined && !byName) {
    throw invalidRequest([{ path: 'document', message: 'delete needs a document (everything it declares) or topics/notifications by name' }]);
  }
  if (document !== undefined && byName) throw invalidRequest([{ path: 'document', message: 'give a document or names (topics/notifications), not both' }]);
  let doc: NotificationState | undefined;
  if (document !== undefined) {
    try {
      doc = parseState(document);
    } catch (error) {
      if (error instanceof StateValidationError) throw invalidDocument(error);
      throw error;
    }
  }
  return {
    operation: operation === 'apply' && dryRun ? 'plan' : operation,
    ...(doc ? { document: doc } : {}),
    ...(topics ? { topics } : {}),
    ...(notifications ? { notifications } : {}),
    ...(dryRun ? { dryRun } : {}),
  };
}

/** An HTTP body as faas-js-runtime hands it over: parsed JSON, a Buffer (any other type) or a string. */
export function requestFromHttp(body: unknown, query: Record<string, unknown>, contentType: string | undefined): OperationRequest {
  const queryOperation = typeof query.operation === 'string' ? query.operation : undefined;
  if (body instanceof Uint8Array || typeof body === 'string') {
    const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
    if (!text.trim()) throw invalidRequest([{ path: '', message: `empty body: ${USAGE.http}` }]);
    if (/json/i.test(contentType ?? '') || text.trimStart().startsWith('{')) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw invalidRequest([{ path: '', message: 'the body is not valid JSON' }]);
      }
      if (json && typeof json === 'object' && !('operation' in json) && 'apiVersion' in json) return requestFromEnvelope({ operation: queryOperation, document: json });
      return requestFromEnvelope(json, queryOperation);
    }
    // a bare YAML document; the operation is in the query
    return requestFromEnvelope({ operation: queryOperation, document: text });
  }
  if (body === undefined || body === null) throw invalidRequest([{ path: '', message: `empty body: ${USAGE.http}` }]);
  if (typeof body === 'object' && !('operation' in body) && 'apiVersion' in body) return requestFromEnvelope({ operation: queryOperation, document: body });
  return requestFromEnvelope(body, queryOperation);
}

/** A CloudEvent's data (object, JSON/YAML text or bytes) and type. */
export function requestFromCloudEvent(type: string, data: unknown): OperationRequest {
  const fromType = REQUEST_EVENT_TYPE_PATTERN.exec(type)?.[1];
  let value = data;
  if (value instanceof Uint8Array) value = new TextDecoder().decode(value);
  if (typeof value === 'string') {
    const text = value;
    try {
      value = JSON.parse(text);
    } catch {
      return requestFromEnvelope({ operation: fromType, document: text });
    }
  }
  if (value === undefined || value === null) throw invalidRequest([{ path: 'data', message: `is empty: ${USAGE.cloudEvent}` }]);
  if (typeof value === 'object' && !('operation' in value) && 'apiVersion' in value) return requestFromEnvelope({ operation: fromType, document: value });
  return requestFromEnvelope(value, fromType);
}

// ------------------------------------------------------------------ authentication

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks `Authorization: Bearer <token>` in constant time (both sides hashed to equal length first,
 * so neither the content nor the length of the token leaks through timing).
 */
export function makeTokenCheck(token: string): (headers: Record<string, unknown>) => boolean {
  const expected = digest(token);
  return (headers) => {
    const header = headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    if (typeof value !== 'string') return false;
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
    if (!m) return false;
    return timingSafeEqual(digest(m[1]!), expected);
  };
}
