/**
 * Planning, without I/O: desired state + what RGW holds → what to create, update, leave or delete,
 * and why. The engine (../engine.ts) reads the actual state, calls these, then performs the steps.
 */
import {
  canonicalNotification,
  canonicalTopic,
  notificationKey,
  notificationToDocument,
  topicToDocument,
  type NotificationSpec,
  type TopicSpec,
} from './canonical.js';
import { emptyState, type NotificationState } from './schema.js';

/** One field that differs; values are in document form (`from` absent = not set). */
export interface Change {
  field: string;
  from?: unknown;
  to?: unknown;
}

export interface ActualTopic {
  spec: TopicSpec;
  arn: string;
}

/** What RGW holds, as far as it was read. */
export interface ActualState {
  topics: Map<string, ActualTopic>;
  /**
   * RGW (up to Ceph 17 at least) copies the topic into every notification and lists the copy as a
   * topic named `<notification id>_<topic name>`. Keyed by that name.
   */
  topicCopies: Map<string, TopicSpec>;
  /** The buckets that were read: their notifications, or null when the bucket does not exist. */
  buckets: Map<string, NotificationSpec[] | null>;
}

export interface RgwVersionInfo {
  /** e.g. "16.2.15"; undefined when unknown. */
  version?: string;
  major?: number;
  /** Where the version came from: RGW_VERSION, the /swift/info probe, or nowhere. */
  source: 'configured' | 'probe' | 'unknown';
}

export type StepAction = 'create' | 'update' | 'unchanged' | 'delete' | 'absent' | 'fail';

export interface StepError {
  code: string;
  message: string;
  /** HTTP-like status: 4xx permanent, 5xx worth retrying. */
  status: number;
}

export interface TopicStep {
  kind: 'topic';
  name: string;
  action: StepAction;
  changes: Change[];
  /** For create/update: the topic to write. */
  desired?: TopicSpec;
  /** The ARN RGW gave the topic (known unless it is still to be created). */
  arn?: string;
  error?: StepError;
}

export interface NotificationStep {
  kind: 'notification';
  bucket: string;
  id: string;
  action: StepAction;
  changes: Change[];
  /** Why an update is needed beyond field changes (the topic changed, duplicates in RGW, ...). */
  reasons: string[];
  /** For create/update: the configuration to write. */
  desired?: NotificationSpec;
  /** How many configurations with this id to delete first (RGW keeps one per topic under the same id). */
  removeFirst: number;
  error?: StepError;
}

export interface Warning {
  /** `topic/<name>`, `notification/<bucket>/<id>` or `rgw`. */
  subject: string;
  code: string;
  message: string;
}

export interface Plan {
  topics: TopicStep[];
  notifications: NotificationStep[];
  warnings: Warning[];
}

export const copyName = (id: string, topic: string): string => `${id}_${topic}`;

// ------------------------------------------------------------------ comparison

/** Field-level differences between two topics, in document field names. */
export function diffTopic(from: TopicSpec, to: TopicSpec): Change[] {
  const changes: Change[] = [];
  const a = from.endpoint;
  const b = to.endpoint;
  if (a.kind !== b.kind) {
    changes.push({ field: 'endpoint', from: topicToDocument(from)?.endpoint ?? { uri: a.uri }, to: topicToDocument(to)?.endpoint });
  } else {
    const base = `endpoint.${b.kind}`;
    const push = (field: string, x: unknown, y: unknown) => {
      if (x !== y) changes.push({ field: `${base}.${field}`, from: x, to: y });
    };
    push('uri', a.uri, b.uri);
    if (a.kind !== 'other' && b.kind !== 'other') push('disableVerifySSL', !a.verifySSL, !b.verifySSL);
    if (a.kind === 'http' && b.kind === 'http') push('sendCloudEvents', a.cloudEvents, b.cloudEvents);
    if (a.kind === 'amqp' && b.kind === 'amqp') {
      push('exchange', a.exchange, b.exchange);
      push('ackLevel', a.ackLevel, b.ackLevel);
    }
    if (a.kind === 'kafka' && b.kind === 'kafka') {
      push('useSSL', a.useSSL, b.useSSL);
      push('ackLevel', a.ackLevel, b.ackLevel);
      push('caLocation', a.caLocation || undefined, b.caLocation || undefined);
    }
  }
  if (from.opaqueData !== to.opaqueData) changes.push({ field: 'opaqueData', from: from.opaqueData || undefined, to: to.opaqueData || undefined });
  if (from.persistent !== to.persistent) changes.push({ field: 'persistent', from: from.persistent, to: to.persistent });
  return changes;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Field-level differences between two notifications, in document field names. */
export function diffNotification(from: NotificationSpec, to: NotificationSpec): Change[] {
  const changes: Change[] = [];
  if (from.topic !== to.topic) changes.push({ field: 'topic', from: from.topic, to: to.topic });
  if (!sameJson(from.events, to.events)) changes.push({ field: 'events', from: from.events, to: to.events });
  const f = notificationToDocument(from).filter ?? {};
  const t = notificationToDocument(to).filter ?? {};
  for (const field of ['keyFilters', 'metadataFilters', 'tagFilters'] as const) {
    if (!sameJson(f[field] ?? [], t[field] ?? [])) changes.push({ field: `filter.${field}`, from: f[field], to: t[field] });
  }
  return changes;
}

// ------------------------------------------------------------------ apply

/**
 * What `apply` must do to make RGW hold `desired`. Items RGW has but the document does not
 * mention are left alone (they are not reported: `apply` never deletes).
 */
export function planApply(desired: NotificationState, actual: ActualState, version: RgwVersionInfo): Plan {
  const warnings: Warning[] = [];
  const topics: TopicStep[] = desired.spec.topics.map((t) => {
    const want = canonicalTopic(t);
    const have = actual.topics.get(t.name);
    if (want.endpoint.kind === 'http' && want.endpoint.cloudEvents && !(version.major !== undefined && version.major >= 17)) {
      warnings.push({
        subject: `topic/${t.name}`,
        code: 'cloudevents_unsupported',
        message:
          version.major !== undefined
            ? `sendCloudEvents needs Ceph 17 or newer; this RGW is ${version.version}: it stores the flag and keeps pushing plain {"Records":[...]} POSTs`
            : 'sendCloudEvents needs Ceph 17 or newer and the RGW version is unknown (set RGW_VERSION): on Ceph 16 the flag is stored and ignored',
      });
    }
    if (!have) return { kind: 'topic', name: t.name, action: 'create', changes: [], desired: want };
    const changes = diffTopic(have.spec, want);
    return { kind: 'topic', name: t.name, action: changes.length ? 'update' : 'unchanged', changes, desired: want, arn: have.arn };
  });
  const topicSteps = new Map(topics.map((s) => [s.name, s]));

  const notifications: NotificationStep[] = desired.spec.notifications.map((n) => {
    const want = canonicalNotification(n);
    const step: NotificationStep = { kind: 'notification', bucket: n.bucket, id: n.id, action: 'unchanged', changes: [], reasons: [], desired: want, removeFirst: 0 };
    const inBucket = actual.buckets.get(n.bucket);
    if (inBucket === null || inBucket === undefined) {
      return { ...step, action: 'fail', error: { code: 'bucket_not_found', status: 404, message: `bucket ${n.bucket} does not exist (create it first: this tool manages notifications, not buckets)` } };
    }
    const topicStep = topicSteps.get(n.topic);
    const actualTopic = actual.topics.get(n.topic);
    if (!topicStep && !actualTopic) {
      return { ...step, action: 'fail', error: { code: 'topic_not_found', status: 422, message: `topic ${n.topic} is neither declared in spec.topics nor present in RGW` } };
    }
    const entries = inBucket.filter((e) => e.id === n.id);
    if (entries.length === 0) return { ...step, action: 'create' };

    if (entries.length > 1) {
      step.reasons.push(`RGW holds ${entries.length} configurations with this id (one per topic: ${entries.map((e) => e.topic).join(', ')}); they are replaced by one`);
      step.removeFirst = entries.length;
      step.changes = diffNotification(entries.find((e) => e.topic === want.topic) ?? entries[0]!, want);
    } else {
      step.changes = diffNotification(entries[0]!, want);
      // Re-pointing an id at another topic would ADD a configuration in RGW 16, not replace it.
      if (entries[0]!.topic !== want.topic) step.removeFirst = 1;
    }
    if (topicStep && (topicStep.action === 'create' || topicStep.action === 'update')) {
      step.reasons.push(`topic ${n.topic} changes, and RGW keeps a copy of the topic in each notification: re-created to pick it up`);
    } else {
      const copy = actual.topicCopies.get(copyName(n.id, n.topic));
      const current = topicStep?.desired ?? actualTopic?.spec;
      if (copy && current && diffTopic(copy, { ...current, name: copy.name }).length > 0) {
        step.reasons.push(`RGW's copy of topic ${n.topic} in this notification is outdated (the topic changed after the notification was made): re-created`);
      }
    }
    step.action = step.changes.length || step.reasons.length ? 'update' : 'unchanged';
    return step;
  });

  return { topics, notifications, warnings };
}

// ------------------------------------------------------------------ delete

export interface DeleteTarget {
  topics: string[];
  notifications: Array<{ bucket: string; id: string }>;
}

/** The items a document declares, as a delete target. */
export function targetOf(doc: NotificationState): DeleteTarget {
  return { topics: doc.spec.topics.map((t) => t.name), notifications: doc.spec.notifications.map((n) => ({ bucket: n.bucket, id: n.id })) };
}

/**
 * What `delete` must do. Notifications go first: RGW keeps delivering through its copy of a
 * deleted topic for as long as a notification using it exists.
 */
export function planDelete(target: DeleteTarget, actual: ActualState): Plan {
  const warnings: Warning[] = [];
  const doomed = new Set(target.notifications.map(notificationKey));
  const notifications: NotificationStep[] = target.notifications.map(({ bucket, id }) => {
    const entries = actual.buckets.get(bucket)?.filter((e) => e.id === id) ?? [];
    return { kind: 'notification', bucket, id, action: entries.length ? 'delete' : 'absent', changes: [], reasons: [], removeFirst: entries.length };
  });
  const topics: TopicStep[] = target.topics.map((name) => {
    const have = actual.topics.get(name);
    if (!have) return { kind: 'topic', name, action: 'absent', changes: [] };
    const users: string[] = [];
    for (const [bucket, list] of actual.buckets) {
      for (const n of list ?? []) if (n.topic === name && !doomed.has(notificationKey(n))) users.push(`${bucket}/${n.id}`);
    }
    if (users.length) {
      warnings.push({
        subject: `topic/${name}`,
        code: 'topic_still_used',
        message: `notification(s) ${users.join(', ')} still use topic ${name}: RGW keeps pushing through their copy of it until they are deleted too`,
      });
    }
    return { kind: 'topic', name, action: 'delete', changes: [], arn: have.arn };
  });
  return { topics, notifications, warnings };
}

// ------------------------------------------------------------------ get

export interface StateScope {
  topics?: string[];
  notifications?: Array<{ bucket: string; id: string }>;
}

/**
 * The actual state as a document. With a scope, only the named items (those that exist);
 * without, everything that was read. Topics this tool cannot describe are listed in `skipped`.
 */
export function stateFromActual(actual: ActualState, scope?: StateScope): { document: NotificationState; skipped: Warning[] } {
  const document = emptyState();
  const skipped: Warning[] = [];
  const wantTopic = scope ? new Set(scope.topics ?? []) : undefined;
  const wantNotif = scope ? new Set((scope.notifications ?? []).map(notificationKey)) : undefined;
  for (const name of [...actual.topics.keys()].sort()) {
    if (wantTopic && !wantTopic.has(name)) continue;
    const t = actual.topics.get(name)!;
    const doc = topicToDocument(t.spec);
    if (doc) document.spec.topics.push(doc);
    else skipped.push({ subject: `topic/${name}`, code: 'unsupported_endpoint', message: `topic ${name} pushes to ${t.spec.endpoint.uri ? `an endpoint of another kind` : 'no endpoint'}: not shown` });
  }
  for (const bucket of [...actual.buckets.keys()].sort()) {
    for (const n of [...(actual.buckets.get(bucket) ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.topic < b.topic ? -1 : 1))) {
      if (wantNotif && !wantNotif.has(notificationKey(n))) continue;
      document.spec.notifications.push(notificationToDocument(n));
    }
  }
  return { document, skipped };
}
