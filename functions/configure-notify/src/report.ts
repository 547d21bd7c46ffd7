/**
 * What an operation did (or, for plan, would do): one item per topic and notification the operation
 * is about, plus warnings. The same shape comes out of the function, the CLI (json/yaml) and the
 * programmatic API. Values are redacted (see redact.ts).
 */
import { stringify } from 'yaml';
import { notificationToDocument, topicToDocument } from './state/canonical.js';
import type { Change, Plan, RgwVersionInfo, StepAction, StepError, Warning } from './state/diff.js';
import type { Notification, Topic } from './state/schema.js';
import { redactDeep } from './redact.js';

export type Operation = 'apply' | 'plan' | 'delete';

/** What happened to an item; in a dry run (plan), what would happen. */
export type ItemAction = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent' | 'failed';

export interface ChangeItem {
  kind: 'topic' | 'notification';
  /** Topic name, or `<bucket>/<id>`. */
  name: string;
  bucket?: string;
  id?: string;
  action: ItemAction;
  /** For created and updated items: the item as it is (to be) written, in document form. */
  desired?: Topic | Notification;
  changes?: Change[];
  reasons?: string[];
  error?: StepError;
}

export interface WarningItem {
  kind: 'warning';
  /** What it is about: `topic/<name>`, `notification/<bucket>/<id>` or `rgw`. */
  name: string;
  code: string;
  message: string;
}

export type ReportItem = ChangeItem | WarningItem;

export interface RgwInfo {
  endpoint: string;
  version?: string;
  versionSource: RgwVersionInfo['source'];
}

export interface Report {
  operation: Operation;
  /** True for plan (and apply/delete with dryRun): nothing was changed. */
  dryRun: boolean;
  /** False when any item failed. */
  ok: boolean;
  rgw: RgwInfo;
  summary: Record<ItemAction, number> & { warnings: number };
  /** Write requests sent to RGW (0 for a dry run, and for an apply with nothing to change). */
  writes: number;
  items: ReportItem[];
}

const PAST: Record<StepAction, ItemAction> = { create: 'created', update: 'updated', unchanged: 'unchanged', delete: 'deleted', absent: 'absent', fail: 'failed' };

export function buildReport(operation: Operation, dryRun: boolean, plan: Plan, rgw: RgwInfo, writes: number): Report {
  const items: ReportItem[] = [];
  for (const s of plan.topics) {
    items.push({
      kind: 'topic',
      name: s.name,
      action: PAST[s.action],
      ...(s.desired && (s.action === 'create' || s.action === 'update') ? { desired: redactDeep(topicToDocument(s.desired)) } : {}),
      ...(s.changes.length ? { changes: redactDeep(s.changes) } : {}),
      ...(s.error ? { error: s.error } : {}),
    });
  }
  for (const s of plan.notifications) {
    items.push({
      kind: 'notification',
      name: `${s.bucket}/${s.id}`,
      bucket: s.bucket,
      id: s.id,
      action: PAST[s.action],
      ...(s.desired && (s.action === 'create' || s.action === 'update') ? { desired: notificationToDocument(s.desired) } : {}),
      ...(s.changes.length ? { changes: redactDeep(s.changes) } : {}),
      ...(s.reasons.length ? { reasons: s.reasons } : {}),
      ...(s.error ? { error: s.error } : {}),
    });
  }
  for (const w of plan.warnings) items.push(warningItem(w));
  const summary: Report['summary'] = { created: 0, updated: 0, unchanged: 0, deleted: 0, absent: 0, failed: 0, warnings: 0 };
  for (const i of items) {
    if (i.kind === 'warning') summary.warnings++;
    else summary[i.action]++;
  }
  return { operation, dryRun, ok: summary.failed === 0, rgw, summary, writes, items };
}

export const warningItem = (w: Warning): WarningItem => ({ kind: 'warning', name: w.subject, code: w.code, message: w.message });

// ------------------------------------------------------------------ text output

const show = (v: unknown): string => (v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v));

function details(item: ReportItem): string {
  if (item.kind === 'warning') return `${item.code}: ${item.message}`;
  const parts: string[] = [];
  if (item.action === 'created' && item.desired) parts.push(describeNew(item.desired));
  for (const c of item.changes ?? []) parts.push(`${c.field}: ${show(c.from)} -> ${show(c.to)}`);
  for (const r of item.reasons ?? []) parts.push(r);
  if (item.error) parts.push(`${item.error.code}: ${item.error.message}`);
  return parts.join('; ');
}

function describeNew(d: Topic | Notification): string {
  if ('endpoint' in d) {
    const e = d.endpoint.http ?? d.endpoint.amqp ?? d.endpoint.kafka;
    return `new: ${e?.uri ?? ''}${d.persistent ? ' (persistent)' : ''}`;
  }
  const f = d.filter;
  const rules = [...(f?.keyFilters ?? []), ...(f?.metadataFilters ?? []), ...(f?.tagFilters ?? [])].map((r) => `${r.name}=${r.value}`);
  return `new: topic ${d.topic}, ${(d.events ?? []).join(',')}${rules.length ? `, ${rules.join(', ')}` : ''}`;
}

/** A fixed-width table for terminals. */
export function reportTable(report: Report): string {
  const head = ['KIND', 'NAME', report.dryRun ? 'PLANNED' : 'RESULT', 'DETAILS'];
  const rows = report.items.map((i) => [i.kind, i.name, i.kind === 'warning' ? '-' : i.action, details(i)]);
  const widths = head.slice(0, 3).map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join('  ').trimEnd();
  const s = report.summary;
  const counts = `${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.deleted} deleted, ${s.absent} absent, ${s.failed} failed, ${s.warnings} warnings`;
  const version = report.rgw.version ? `Ceph ${report.rgw.version} (${report.rgw.versionSource})` : 'version unknown';
  const tail = report.dryRun ? 'dry run: nothing was changed' : `${report.writes} write request(s)`;
  return [line(head), ...rows.map(line), '', `${report.operation} on ${report.rgw.endpoint} [${version}]: ${counts}; ${tail}`].join('\n');
}

export type OutputFormat = 'table' | 'json' | 'yaml';

export function formatReport(report: Report, format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  if (format === 'yaml') return stringify(report, { lineWidth: 0 });
  return reportTable(report);
}
