/**
 * configure-notify's metrics: every operation that writes to RGW (apply, and delete when not a dry
 * run: plan and get change nothing) is one apply, `ok` when every item went through; each topic and
 * notification it covered is counted by what happened to it.
 */
import type { Report } from '../report.js';
import type { OperationRequest } from '../request.js';
import { counter } from '../vendor/core/index.js';

const applies = counter({
  name: 'bucketml_notify_applies_total',
  help: 'Operations that write to RGW (apply, delete), by result: ok when every item went through',
  labelNames: ['result'],
});
const changes = counter({
  name: 'bucketml_notify_changes_total',
  help: 'Topics and notifications those operations covered, by what happened to each',
  labelNames: ['resource', 'change'],
});

const CHANGES = new Set(['created', 'updated', 'deleted', 'unchanged']);

const writes = (request: OperationRequest): boolean => request.operation === 'apply' || (request.operation === 'delete' && request.dryRun !== true);

/** An operation finished with this report (undefined for get). */
export function operationDone(request: OperationRequest, report: Report | undefined): void {
  if (!writes(request) || report === undefined) return;
  applies.inc({ result: report.ok ? 'ok' : 'failed' });
  // failed items are counted by the apply's result; absent ones (delete of what is not there) changed nothing
  for (const item of report.items) if (item.kind !== 'warning' && CHANGES.has(item.action)) changes.inc({ resource: item.kind, change: item.action });
}

/** An operation failed as a whole (RGW unreachable, credentials refused). */
export function operationFailed(request: OperationRequest): void {
  if (writes(request)) applies.inc({ result: 'failed' });
}
