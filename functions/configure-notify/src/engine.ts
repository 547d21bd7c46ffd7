/**
 * The operations: read what RGW holds, plan (state/diff.ts, pure), perform the steps, report.
 * Used by the function (index.ts), the CLI (cli.ts) and other code (api.ts).
 */
import { FunctionError, type Logger } from './vendor/core/index.js';
import { buildReport, warningItem, type Report, type RgwInfo } from './report.js';
import { redactDeep } from './redact.js';
import type { Rgw } from './rgw/client.js';
import { rgwFailure } from './rgw/errors.js';
import { deleteBucketNotification, getBucketNotifications, listBuckets, putBucketNotifications } from './rgw/notifications.js';
import { deleteTopic, getTopic, listTopics, putTopic } from './rgw/topics.js';
import { hasSecret } from './redact.js';
import type { NotificationSpec } from './state/canonical.js';
import {
  diffNotification,
  diffTopic,
  planApply,
  planDelete,
  stateFromActual,
  targetOf,
  type ActualState,
  type DeleteTarget,
  type NotificationStep,
  type Plan,
  type StateScope,
  type StepError,
  type Warning,
} from './state/diff.js';
import type { NotificationState } from './state/schema.js';

export interface OperationOptions {
  /** Plan only: read, compare, report; send no write. */
  dryRun?: boolean;
  log?: Logger;
}

const stepError = (e: FunctionError): StepError => ({ code: e.code, message: e.message, status: e.status });

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Reads topics (with RGW's per-notification copies) and the given buckets' notifications ('all': every bucket). */
async function readActual(rgw: Rgw, buckets: Iterable<string> | 'all'): Promise<ActualState> {
  let listing;
  try {
    listing = await listTopics(rgw.sns);
  } catch (error) {
    throw rgwFailure(error, 'listing topics');
  }
  let names: string[];
  try {
    names = buckets === 'all' ? await listBuckets(rgw.s3) : [...new Set(buckets)].sort();
  } catch (error) {
    throw rgwFailure(error, 'listing buckets');
  }
  const configs = await mapLimit(names, 8, async (bucket) => {
    try {
      return await getBucketNotifications(rgw.s3, bucket);
    } catch (error) {
      throw rgwFailure(error, `reading the notifications of bucket ${bucket}`);
    }
  });
  return { topics: listing.topics, topicCopies: listing.copies, buckets: new Map(names.map((b, i) => [b, configs[i]!])) };
}

async function rgwInfo(rgw: Rgw) {
  const version = await rgw.version();
  const info: RgwInfo = { endpoint: rgw.endpoint, ...(version.version ? { version: version.version } : {}), versionSource: version.source };
  return { version, info };
}

// ------------------------------------------------------------------ apply / plan

/**
 * Makes RGW hold what `doc` declares: creates missing topics and notifications, updates those that
 * differ (re-creating notifications whose topic changed), leaves the rest alone. With dryRun, only
 * reports. Applying the same document twice reports everything unchanged and writes nothing.
 * Throws a FunctionError when RGW cannot be read at all (403 credentials, 503 unreachable);
 * per-item failures are in the report (ok: false).
 */
export async function applyState(doc: NotificationState, rgw: Rgw, options: OperationOptions = {}): Promise<Report> {
  const dryRun = options.dryRun ?? false;
  const { version, info } = await rgwInfo(rgw);
  const actual = await readActual(rgw, doc.spec.notifications.map((n) => n.bucket));
  const plan = planApply(doc, actual, version);
  let writes = 0;
  if (!dryRun) writes = await execute(plan, actual, rgw);
  const report = buildReport(dryRun ? 'plan' : 'apply', dryRun, plan, info, writes);
  logReport(options.log, report);
  return report;
}

/** applyState without writing: what apply would do. */
export function planState(doc: NotificationState, rgw: Rgw, options: Omit<OperationOptions, 'dryRun'> = {}): Promise<Report> {
  return applyState(doc, rgw, { ...options, dryRun: true });
}

async function execute(plan: Plan, actual: ActualState, rgw: Rgw): Promise<number> {
  let writes = 0;
  for (const step of plan.topics) {
    if (step.action !== 'create' && step.action !== 'update') continue;
    const desired = step.desired!;
    try {
      writes++;
      step.arn = await putTopic(rgw.sns, desired);
      // read back: RGW silently keeps what it does not understand, or may drop what it does not support
      const back = await getTopic(rgw.sns, step.arn);
      const differs = back ? diffTopic(back.spec, desired) : [{ field: '(topic)', from: 'missing after CreateTopic' }];
      if (differs.length) {
        plan.warnings.push({ subject: `topic/${step.name}`, code: 'topic_not_as_written', message: `RGW holds the topic differently from what was written: ${JSON.stringify(redactDeep(differs))}` });
      }
    } catch (error) {
      let failure = rgwFailure(error, `writing topic ${step.name}`);
      if (failure.code === 'rgw_rejected' && hasSecret(desired.endpoint.uri)) {
        failure = new FunctionError(
          422,
          'rgw_rejected',
          `${failure.message}. RGW refuses endpoints carrying a user:password unless it is reached over HTTPS (or rgw_allow_secrets_in_cleartext is set)`,
          undefined,
          { cause: error },
        );
      }
      step.action = 'fail';
      step.error = stepError(failure);
    }
  }
  const topicSteps = new Map(plan.topics.map((s) => [s.name, s]));
  const arnOf = (topic: string): string => topicSteps.get(topic)?.arn ?? actual.topics.get(topic)?.arn ?? '';

  const byBucket = new Map<string, NotificationStep[]>();
  for (const step of plan.notifications) {
    if (step.action !== 'create' && step.action !== 'update') continue;
    const topicStep = topicSteps.get(step.desired!.topic);
    if (topicStep?.action === 'fail') {
      step.action = 'fail';
      step.error = { code: 'topic_not_applied', status: topicStep.error?.status ?? 422, message: `topic ${topicStep.name} could not be written, so this notification was not` };
      continue;
    }
    byBucket.set(step.bucket, [...(byBucket.get(step.bucket) ?? []), step]);
  }
  for (const [bucket, steps] of byBucket) {
    try {
      for (const step of steps) {
        for (let i = 0; i < step.removeFirst; i++) {
          writes++;
          await deleteBucketNotification(rgw.s3, bucket, step.id);
        }
      }
      writes++;
      await putBucketNotifications(rgw.s3, bucket, steps.map((s) => s.desired!), arnOf);
    } catch (error) {
      let failure = rgwFailure(error, `writing the notifications of bucket ${bucket}`);
      if (failure.code === 'rgw_rejected' && /NoSuchKey/.test(failure.message)) {
        failure = new FunctionError(422, 'topic_not_found', `${failure.message}: RGW answers NoSuchKey when a notification names a topic it does not have`, undefined, { cause: error });
      }
      for (const step of steps) {
        step.action = 'fail';
        step.error = stepError(failure);
      }
      continue;
    }
    await verifyBucket(rgw, bucket, steps, actual.buckets.get(bucket) ?? [], plan.warnings);
  }
  return writes;
}

/** Reads the bucket back: each written configuration must be there once, as written. */
async function verifyBucket(rgw: Rgw, bucket: string, steps: NotificationStep[], before: NotificationSpec[], warnings: Warning[]): Promise<void> {
  let back: NotificationSpec[] | null;
  try {
    back = await getBucketNotifications(rgw.s3, bucket);
  } catch (error) {
    warnings.push({ subject: `bucket/${bucket}`, code: 'not_verified', message: rgwFailure(error, `reading back bucket ${bucket}`).message });
    return;
  }
  // Ceph 16 merges a PUT into the bucket's configurations; an RGW that replaces them (as AWS does) would drop the others
  const written = new Set(steps.map((s) => s.id));
  const dropped = [...new Set(before.filter((e) => !written.has(e.id) && !(back ?? []).some((b) => b.id === e.id)).map((e) => e.id))];
  if (dropped.length) {
    warnings.push({ subject: `bucket/${bucket}`, code: 'notifications_dropped', message: `RGW dropped notification(s) ${dropped.join(', ')} when others were written: it replaces rather than merges; re-apply their documents` });
  }
  for (const step of steps) {
    const entries = (back ?? []).filter((e) => e.id === step.id);
    const differs = entries.length === 1 ? diffNotification(entries[0]!, step.desired!) : [];
    if (entries.length !== 1 || differs.length) {
      step.action = 'fail';
      step.error = {
        code: 'not_as_written',
        status: 502,
        message: entries.length === 0 ? 'RGW does not list the notification after writing it' : entries.length > 1 ? `RGW lists ${entries.length} configurations with this id after writing it` : `RGW holds it differently: ${JSON.stringify(differs)}`,
      };
    }
  }
}

// ------------------------------------------------------------------ delete

export type DeleteRequest = NotificationState | DeleteTarget;

const isDocument = (r: DeleteRequest): r is NotificationState => 'spec' in r;

/**
 * Deletes the named items (or everything a document declares): notifications first, then topics.
 * Items that do not exist are reported `absent`. Warns when a deleted topic is still used by a
 * notification that stays (RGW keeps delivering through its copy).
 */
export async function deleteState(request: DeleteRequest, rgw: Rgw, options: OperationOptions = {}): Promise<Report> {
  const dryRun = options.dryRun ?? false;
  const target = isDocument(request) ? targetOf(request) : { topics: [...new Set(request.topics)], notifications: request.notifications };
  const { info } = await rgwInfo(rgw);
  // deleting a topic: look at every bucket, to warn about notifications still using it
  const actual = await readActual(rgw, target.topics.length ? 'all' : target.notifications.map((n) => n.bucket));
  for (const n of target.notifications) if (!actual.buckets.has(n.bucket)) actual.buckets.set(n.bucket, null);
  const plan = planDelete(target, actual);
  let writes = 0;
  if (!dryRun) {
    for (const step of plan.notifications) {
      if (step.action !== 'delete') continue;
      try {
        for (let i = 0; i < step.removeFirst; i++) {
          writes++;
          await deleteBucketNotification(rgw.s3, step.bucket, step.id);
        }
      } catch (error) {
        step.action = 'fail';
        step.error = stepError(rgwFailure(error, `deleting notification ${step.id} of bucket ${step.bucket}`));
      }
    }
    for (const step of plan.topics) {
      if (step.action !== 'delete') continue;
      try {
        writes++;
        await deleteTopic(rgw.sns, step.arn!);
      } catch (error) {
        step.action = 'fail';
        step.error = stepError(rgwFailure(error, `deleting topic ${step.name}`));
      }
    }
  }
  const report = buildReport('delete', dryRun, plan, info, writes);
  logReport(options.log, report);
  return report;
}

// ------------------------------------------------------------------ get

export interface GetResult {
  /** The actual state in document form (redacted: passwords are ***). */
  document: NotificationState;
  /** Items that exist but cannot be described (topics with an endpoint this tool refuses). */
  warnings: ReturnType<typeof warningItem>[];
  rgw: RgwInfo;
}

/**
 * What RGW holds, as a document. Without a scope: every topic and every bucket's notifications of
 * the user. With a document (or names): only those items, where they exist.
 */
export async function getState(rgw: Rgw, scope?: NotificationState | StateScope): Promise<GetResult> {
  const { info } = await rgwInfo(rgw);
  const named: StateScope | undefined = scope && 'spec' in scope ? targetOf(scope) : scope;
  const buckets = named ? (named.notifications ?? []).map((n) => n.bucket) : 'all';
  const actual = await readActual(rgw, buckets);
  const { document, skipped } = stateFromActual(actual, named);
  return { document: redactDeep(document), warnings: skipped.map(warningItem), rgw: info };
}

function logReport(log: Logger | undefined, report: Report): void {
  log?.info(`${report.operation} done`, {
    dryRun: report.dryRun,
    ok: report.ok,
    summary: report.summary,
    writes: report.writes,
    items: report.items.map((i) => (i.kind === 'warning' ? { kind: i.kind, name: i.name, code: i.code } : { kind: i.kind, name: i.name, action: i.action, ...(i.error ? { error: i.error.code } : {}) })),
  });
}
