/**
 * The desired-state document: which SNS topics and which bucket notifications an RGW should have.
 * Field names follow Rook's CephBucketTopic / CephBucketNotification specs where they overlap
 * (endpoint.{http,amqp,kafka}.uri, disableVerifySSL, sendCloudEvents, ackLevel, exchange, useSSL,
 * opaqueData, persistent, events, filter.{keyFilters,metadataFilters,tagFilters}), so a spec can be
 * copied between the two; what Rook takes from Kubernetes objects (the topic and notification names
 * from metadata.name, the bucket from an ObjectBucketClaim label) is spelled out here.
 *
 *   apiVersion: bucket-ml.io/v1alpha1
 *   kind: NotificationState
 *   spec:
 *     topics: [{ name, endpoint: { http: { uri } }, persistent?, opaqueData? }]
 *     notifications: [{ bucket, id, topic, events?, filter? }]
 */
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

export const API_VERSION = 'bucket-ml.io/v1alpha1';
export const KIND = 'NotificationState';

/** Push-endpoint schemes RGW can deliver to. Anything else is refused before it reaches RGW (which would store it). */
export const ENDPOINT_SCHEMES = ['http', 'https', 'amqp', 'amqps', 'kafka'] as const;
const SCHEMES_BY_KIND = { http: ['http', 'https'], amqp: ['amqp', 'amqps'], kafka: ['kafka'] } as const;
export type EndpointKind = keyof typeof SCHEMES_BY_KIND;

/** What `get` prints instead of a password; a document still carrying it cannot be applied. */
export const REDACTED = '***';

/** Event names RGW knows (Ceph 16 knows the first eight; lifecycle and sync events came later). */
export const EVENT_NAMES = [
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectLifecycle:*',
  's3:ObjectLifecycle:Expiration:*',
  's3:ObjectLifecycle:Expiration:Current',
  's3:ObjectLifecycle:Expiration:NonCurrent',
  's3:ObjectLifecycle:Expiration:DeleteMarker',
  's3:ObjectLifecycle:Expiration:AbortMultipartUpload',
  's3:ObjectLifecycle:Transition:*',
  's3:ObjectLifecycle:Transition:Current',
  's3:ObjectLifecycle:Transition:NonCurrent',
  's3:ObjectSynced:*',
  's3:ObjectSynced:Create',
  's3:ObjectSynced:Delete',
  's3:ObjectSynced:DeletionMarkerCreated',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** What RGW subscribes a notification to when it names no events (all Created and Removed events). */
export const DEFAULT_EVENTS: readonly EventName[] = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'];

// ------------------------------------------------------------------ document types

export interface HttpEndpoint {
  uri: string;
  disableVerifySSL?: boolean;
  /** Ceph 17+: push as a CloudEvent (binary mode). Ceph 16 stores the flag and ignores it. */
  sendCloudEvents?: boolean;
}
export interface AmqpEndpoint {
  uri: string;
  exchange: string;
  /** `routeable` (Rook's spelling) is accepted and stored as RGW's `routable`. */
  ackLevel?: 'none' | 'broker' | 'routable';
  disableVerifySSL?: boolean;
}
export interface KafkaEndpoint {
  uri: string;
  useSSL?: boolean;
  disableVerifySSL?: boolean;
  ackLevel?: 'none' | 'broker';
  /** Path of a CA bundle on the RGW host (RGW's `ca-location`). */
  caLocation?: string;
}
export interface TopicEndpoint {
  http?: HttpEndpoint;
  amqp?: AmqpEndpoint;
  kafka?: KafkaEndpoint;
}
export interface Topic {
  name: string;
  endpoint: TopicEndpoint;
  /** Sent as `opaqueData` in every event of this topic. */
  opaqueData?: string;
  /** Queue events in RADOS and deliver them asynchronously, with retries (at-least-once). */
  persistent?: boolean;
}
export interface FilterRule {
  name: string;
  value: string;
}
export interface KeyFilterRule {
  name: 'prefix' | 'suffix' | 'regex';
  value: string;
}
export interface NotificationFilter {
  keyFilters?: KeyFilterRule[];
  /** Object metadata, named `x-amz-meta-<name>` (a bare `<name>` is completed to that). */
  metadataFilters?: FilterRule[];
  tagFilters?: FilterRule[];
}
export interface Notification {
  bucket: string;
  /** The notification's Id in the bucket (Rook: the CephBucketNotification's metadata.name). */
  id: string;
  /** Name of a topic of this document (or one that already exists in RGW). */
  topic: string;
  /** Default: all Created and Removed events, as RGW does. */
  events?: EventName[];
  filter?: NotificationFilter;
}
export interface NotificationState {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata?: { name?: string; [key: string]: unknown };
  spec: {
    topics: Topic[];
    notifications: Notification[];
  };
}

// ------------------------------------------------------------------ problems

export interface Problem {
  /** Where in the document: `spec.topics[0].endpoint.http.uri`. */
  path: string;
  message: string;
}

/** The document is not valid: every problem, each with its path. */
export class StateValidationError extends Error {
  override readonly name = 'StateValidationError';
  constructor(readonly problems: Problem[]) {
    super(`invalid document:\n  ${problems.map((p) => `${p.path || '(document)'}: ${p.message}`).join('\n  ')}`);
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

// ------------------------------------------------------------------ schema

const schemeOf = (uri: string): string | undefined => {
  try {
    return new URL(uri).protocol.replace(/:$/, '');
  } catch {
    return undefined;
  }
};

function endpointUri(kind: EndpointKind) {
  const allowed: readonly string[] = SCHEMES_BY_KIND[kind];
  return z.string({ error: 'is required (the endpoint URL)' }).superRefine((uri, ctx) => {
    const scheme = schemeOf(uri);
    if (scheme === undefined) {
      ctx.addIssue({ code: 'custom', message: `not a URL: use ${allowed.map((s) => `${s}://`).join(' or ')}` });
      return;
    }
    if (!(ENDPOINT_SCHEMES as readonly string[]).includes(scheme)) {
      ctx.addIssue({ code: 'custom', message: `scheme ${scheme}:// is not allowed: endpoints are http(s)://, amqp(s):// or kafka://` });
      return;
    }
    if (!allowed.includes(scheme)) {
      const right = (Object.keys(SCHEMES_BY_KIND) as EndpointKind[]).find((k) => (SCHEMES_BY_KIND[k] as readonly string[]).includes(scheme));
      ctx.addIssue({ code: 'custom', message: `a ${scheme}:// URL belongs under endpoint.${right}, not endpoint.${kind}` });
      return;
    }
    const url = new URL(uri);
    if (decodeURIComponent(url.password) === REDACTED || uri.includes(`:${REDACTED}@`)) {
      ctx.addIssue({ code: 'custom', message: `holds the placeholder ${REDACTED} that \`get\` prints instead of a password: put the real one back` });
    }
    if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
  });
}

const bool = (what: string) => z.boolean({ error: `must be true or false (${what})` });

const httpEndpointSchema = z.strictObject({
  uri: endpointUri('http'),
  disableVerifySSL: bool('skip TLS certificate checks').optional(),
  sendCloudEvents: bool('CloudEvents headers, Ceph 17+').optional(),
});
const amqpEndpointSchema = z.strictObject({
  uri: endpointUri('amqp'),
  exchange: z.string({ error: 'is required for amqp (the exchange to publish to)' }).min(1, 'must not be empty'),
  ackLevel: z
    .enum(['none', 'broker', 'routable', 'routeable'], { error: 'must be none, broker or routable' })
    .transform((v) => (v === 'routeable' ? 'routable' : v))
    .optional(),
  disableVerifySSL: bool('skip TLS certificate checks').optional(),
});
const kafkaEndpointSchema = z.strictObject({
  uri: endpointUri('kafka'),
  useSSL: bool('TLS to the broker').optional(),
  disableVerifySSL: bool('skip TLS certificate checks').optional(),
  ackLevel: z.enum(['none', 'broker'], { error: 'must be none or broker' }).optional(),
  caLocation: z.string().min(1, 'must not be empty').optional(),
});

const endpointSchema = z
  .strictObject({ http: httpEndpointSchema.optional(), amqp: amqpEndpointSchema.optional(), kafka: kafkaEndpointSchema.optional() }, { error: 'must be an object with one of http, amqp or kafka' })
  .superRefine((e, ctx) => {
    const kinds = (['http', 'amqp', 'kafka'] as const).filter((k) => e[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: kinds.length ? `has ${kinds.join(' and ')}: give exactly one of http, amqp or kafka` : 'needs one of http, amqp or kafka' });
    }
  });

/** SNS topic names: letters, digits, hyphens and underscores, at most 256. */
const topicName = z
  .string({ error: 'is required' })
  .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 letters, digits, hyphens or underscores');

const topicSchema = z.strictObject({
  name: topicName,
  endpoint: endpointSchema,
  opaqueData: z.string({ error: 'must be a string' }).optional(),
  persistent: bool('queue events in RADOS').optional(),
});

const bucketName = z
  .string({ error: 'is required' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/, 'is not a bucket name (3-255 letters, digits, dots, hyphens, underscores)');

const ruleSchema = z.strictObject({
  name: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  value: z.string({ error: 'is required (a string; quote numbers in YAML)' }),
});

/** RGW matches metadata filters against `x-amz-meta-<name>` exactly, in lower case. */
export function metadataFilterName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.startsWith('x-amz-meta-') ? lower : `x-amz-meta-${lower}`;
}

const keyRuleSchema = z
  .strictObject({
    name: z.enum(['prefix', 'suffix', 'regex'], { error: 'must be prefix, suffix or regex' }),
    value: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  })
  .superRefine((rule, ctx) => {
    if (rule.name !== 'regex') return;
    try {
      new RegExp(rule.value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `is not a valid regular expression (${(error as Error).message})` });
    }
  });

function noDuplicateNames(what: string) {
  return (rules: Array<{ name: string }>, ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    rules.forEach((r, i) => {
      const first = seen.get(r.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${what} ${r.name} appears twice (first at [${first}]): RGW keeps only one` });
      else seen.set(r.name, i);
    });
  };
}

const filterSchema = z.strictObject({
  keyFilters: z.array(keyRuleSchema).superRefine(noDuplicateNames('key filter')).optional(),
  metadataFilters: z
    .array(ruleSchema.transform((r) => ({ name: metadataFilterName(r.name), value: r.value })))
    .superRefine(noDuplicateNames('metadata filter'))
    .optional(),
  tagFilters: z.array(ruleSchema).superRefine(noDuplicateNames('tag filter')).optional(),
});

const eventSchema = z
  .string({ error: 'must be an event name such as s3:ObjectCreated:*' })
  .transform((v) => (v.startsWith('s3:') ? v : `s3:${v}`))
  .pipe(z.enum(EVENT_NAMES, { error: `unknown event: use one of ${EVENT_NAMES.slice(0, 8).join(', ')} (or a lifecycle/sync event on Ceph 18+)` }));

const notificationSchema = z.strictObject({
  bucket: bucketName,
  id: z
    .string({ error: 'is required (the notification Id in the bucket)' })
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters')
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters'),
  topic: topicName,
  events: z.array(eventSchema).min(1, 'must name at least one event (or leave events out for all)').optional(),
  filter: filterSchema.optional(),
});

const documentSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
  kind: z.literal(KIND, { error: `must be ${KIND}` }),
  metadata: z.looseObject({ name: z.string().optional() }).optional(),
  spec: z.strictObject(
    {
      topics: z.array(topicSchema, { error: 'must be a list of topics' }).default([]),
      notifications: z.array(notificationSchema, { error: 'must be a list of notifications' }).default([]),
    },
    { error: 'is required: an object with topics and notifications' },
  ),
});

// ------------------------------------------------------------------ parsing

/** Problems zod cannot see one field at a time: duplicates across the lists. Works on the raw input. */
function crossProblems(input: unknown): Problem[] {
  const problems: Problem[] = [];
  const spec = (input as { spec?: { topics?: unknown; notifications?: unknown } } | null)?.spec;
  const topics = new Map<string, number>();
  (Array.isArray(spec?.topics) ? spec.topics : []).forEach((t: unknown, i: number) => {
    const name = (t as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = topics.get(name);
    if (first !== undefined) problems.push({ path: `spec.topics[${i}].name`, message: `topic ${name} is declared twice (first at spec.topics[${first}])` });
    else topics.set(name, i);
  });
  const ids = new Map<string, number>();
  (Array.isArray(spec?.notifications) ? spec.notifications : []).forEach((n: unknown, i: number) => {
    const { bucket, id } = (n ?? {}) as { bucket?: unknown; id?: unknown };
    if (typeof bucket !== 'string' || typeof id !== 'string') return;
    const key = `${bucket}/${id}`;
    const first = ids.get(key);
    if (first !== undefined) problems.push({ path: `spec.notifications[${i}].id`, message: `notification ${id} on bucket ${bucket} is declared twice (first at spec.notifications[${first}])` });
    else ids.set(key, i);
  });
  return problems;
}

function zodProblems(error: z.ZodError): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
      continue;
    }
    problems.push({ path: formatPath(issue.path), message: issue.message.replace(/^Invalid input: expected (\w+), received (\w+)$/, 'must be a $1 (got $2)') });
  }
  return problems;
}

/** Validates an already-parsed document (JSON/YAML value). Throws StateValidationError listing every problem. */
export function validateState(input: unknown): NotificationState {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new StateValidationError([{ path: '', message: `must be an object with apiVersion ${API_VERSION}, kind ${KIND} and spec` }]);
  }
  const parsed = documentSchema.safeParse(input);
  const problems = [...(parsed.success ? [] : zodProblems(parsed.error)), ...crossProblems(input)];
  if (problems.length || !parsed.success) throw new StateValidationError(problems);
  return parsed.data as NotificationState;
}

/** Parses YAML or JSON text (one document) and validates it. */
export function parseStateText(text: string): NotificationState {
  const docs = parseAllDocuments(text, { prettyErrors: false });
  if (!Array.isArray(docs)) throw new StateValidationError([{ path: '', message: 'is empty' }]);
  const real = docs.filter((d) => d.contents !== null || d.errors.length);
  if (real.length === 0) throw new StateValidationError([{ path: '', message: 'is empty' }]);
  if (real.length > 1) throw new StateValidationError([{ path: '', message: `holds ${real.length} YAML documents; give one NotificationState` }]);
  const doc = real[0]!;
  if (doc.errors.length) {
    throw new StateValidationError(
      doc.errors.map((e) => {
        const line = e.linePos?.[0];
        return { path: line ? `(line ${line.line}, column ${line.col})` : '', message: `not valid YAML or JSON: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  return validateState(doc.toJS({ maxAliasCount: 100 }));
}

/** A document given as text (YAML/JSON) or as a value. */
export function parseState(input: unknown): NotificationState {
  if (typeof input === 'string') return parseStateText(input);
  if (input instanceof Uint8Array) return parseStateText(new TextDecoder().decode(input));
  return validateState(input);
}

/** An empty document (what `get` fills in). */
export function emptyState(name?: string): NotificationState {
  return { apiVersion: API_VERSION, kind: KIND, ...(name ? { metadata: { name } } : {}), spec: { topics: [], notifications: [] } };
}
