/**
 * The programmatic API (import from '@bucket-ml/configure-notify/api'):
 *
 *   const rgw = connectRgw({ endpoint, credentials: { accessKeyId, secretAccessKey } });
 *   const doc = parseState(yamlText);                  // throws StateValidationError { problems }
 *   const report = await applyState(doc, rgw);         // or planState(doc, rgw) / deleteState(doc, rgw)
 *   if (!report.ok) ...;                               // per-item errors in report.items
 *   const { document } = await getState(rgw, doc);     // the actual state, same shape
 *   rgw.destroy();
 *
 * Operations throw a FunctionError (status 403 credentials, 503 unreachable, ...) when RGW cannot be
 * read at all; everything else is in the report.
 */
export { applyState, deleteState, getState, planState, type DeleteRequest, type GetResult, type OperationOptions } from './engine.js';
export { connectRgw, rgwFromClients, rgwEnvSchema, rgwOptionsFromEnv, type Rgw, type RgwConnectionOptions, type RgwCredentials, type RgwEnv } from './rgw/client.js';
export { formatReport, reportTable, type ChangeItem, type ItemAction, type Operation, type OutputFormat, type Report, type ReportItem, type RgwInfo, type WarningItem } from './report.js';
export {
  API_VERSION,
  DEFAULT_EVENTS,
  ENDPOINT_SCHEMES,
  EVENT_NAMES,
  KIND,
  StateValidationError,
  emptyState,
  parseState,
  parseStateText,
  validateState,
  type EventName,
  type Notification,
  type NotificationFilter,
  type NotificationState,
  type Problem,
  type Topic,
  type TopicEndpoint,
} from './state/schema.js';
export { planApply, planDelete, targetOf, type ActualState, type Change, type DeleteTarget, type Plan, type RgwVersionInfo, type StateScope, type Warning } from './state/diff.js';
export { documentFromEnvFile, type EnvFileConnection, type EnvFileResult } from './env-file.js';
export { redactUri } from './redact.js';
export { FunctionError } from './vendor/core/index.js';
export { reconcileBucket, type ReconcileCounts, type ReconcileOptions, type ReconcileReport } from './reconcile/reconcile.js';
