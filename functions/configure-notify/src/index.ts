/**
 * configure-notify: a Knative function (faas-js-runtime) that converges an RGW's topics and bucket
 * notifications to a declared state. Every call needs `Authorization: Bearer $CONFIGURE_NOTIFY_TOKEN`;
 * RGW credentials come only from the function's environment.
 * Lifecycle: init() checks the configuration and prepares the RGW clients; handle() runs one
 * operation at a time (two applies must not interleave their reads and writes).
 */
import { CloudEvent } from 'cloudevents';
import { createLogger, describe, errorResponse, FunctionError, healthChecks, jsonResponse, recordStartup, type HttpResponse } from './vendor/core/index.js';
import { loadFunctionConfig } from './config.js';
import { applyState, deleteState, getState } from './engine.js';
import { operationDone, operationFailed } from './metrics/notify-metrics.js';
import { connectRgw, rgwOptionsFromEnv, type Rgw } from './rgw/client.js';
import { makeTokenCheck, OPERATIONS, REPORT_EVENT_TYPE, requestFromCloudEvent, requestFromHttp, USAGE, type OperationRequest } from './request.js';
import type { Report } from './report.js';

/** The part of faas-js-runtime's invocation context this function uses. */
export interface InvocationContext {
  method: string;
  headers: Record<string, unknown>;
  query?: Record<string, unknown>;
  contentType?: string;
  cloudevent?: { type: string; id: string; data?: unknown; data_base64?: string };
}

interface Instance {
  rgw: Rgw;
  authorized: (headers: Record<string, unknown>) => boolean;
  eventSource: string;
}

const log = createLogger({ function: 'configure-notify' }, { level: (process.env.LOG_LEVEL as 'info' | undefined) ?? 'info' });
let instance: Instance | undefined;
let notReady: string | undefined = 'starting';
/** One operation at a time per instance. */
let queue: Promise<unknown> = Promise.resolve();

export function init(): void {
  try {
    const config = loadFunctionConfig();
    const rgw = connectRgw(rgwOptionsFromEnv(config));
    instance = { rgw, authorized: makeTokenCheck(config.CONFIGURE_NOTIFY_TOKEN), eventSource: config.EVENT_SOURCE };
    notReady = undefined;
    recordStartup({ function: 'configure-notify', sinceProcessStartMs: performance.now() });
    log.info('ready', { rgw: rgw.endpoint, rgwVersion: config.RGW_VERSION ?? 'probed from /swift/info' });
  } catch (error) {
    log.error('cannot start', { error: describe(error) });
    // faas-js-runtime only prints a failed init and would go on serving with nothing configured
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100);
    throw error;
  }
}

const unauthorized = (): HttpResponse =>
  jsonResponse(
    401,
    { error: { code: 'unauthorized', message: 'send Authorization: Bearer <token> (the CONFIGURE_NOTIFY_TOKEN of this function)', retryable: false } },
    { 'www-authenticate': 'Bearer realm="configure-notify"' },
  );

export async function handle(context: InvocationContext, body?: unknown): Promise<HttpResponse | CloudEvent<unknown>> {
  try {
    if (!instance) return jsonResponse(503, { error: { code: 'not_ready', message: notReady ?? 'not ready', retryable: true } });
    const current = instance;
    if (!current.authorized(context.headers ?? {})) {
      log.warn('unauthenticated call refused', { method: context.method, cloudevent: Boolean(context.cloudevent) });
      return unauthorized();
    }
    if (!context.cloudevent && context.method === 'GET') {
      return jsonResponse(200, { function: 'configure-notify', operations: OPERATIONS, usage: USAGE, rgw: current.rgw.endpoint });
    }
    const ce = context.cloudevent;
    const request = ce
      ? requestFromCloudEvent(ce.type, ce.data ?? (ce.data_base64 ? Buffer.from(ce.data_base64, 'base64') : undefined))
      : requestFromHttp(body, context.query ?? {}, context.contentType);
    const run = queue.then(() => perform(request, current.rgw));
    run.then((r) => operationDone(request, r.kind === 'report' ? r.report : undefined), () => operationFailed(request));
    queue = run.catch(() => undefined);
    const result = await run;
    return respond(request, result, ce, current.eventSource);
  } catch (error) {
    if (error instanceof FunctionError) log.info('refused', { status: error.status, code: error.code });
    return errorResponse(error, log);
  }
}

type Result = { kind: 'report'; report: Report } | { kind: 'state'; body: unknown };

async function perform(request: OperationRequest, rgw: Rgw): Promise<Result> {
  log.info('operation', { operation: request.operation, byName: !request.document });
  switch (request.operation) {
    case 'apply':
    case 'plan':
      return { kind: 'report', report: await applyState(request.document!, rgw, { dryRun: request.operation === 'plan', log }) };
    case 'delete':
      return {
        kind: 'report',
        report: await deleteState(request.document ?? { topics: request.topics ?? [], notifications: request.notifications ?? [] }, rgw, { log, dryRun: request.dryRun ?? false }),
      };
    case 'get': {
      const scope = request.document ?? (request.topics || request.notifications ? { topics: request.topics ?? [], notifications: request.notifications ?? [] } : undefined);
      const state = await getState(rgw, scope);
      return { kind: 'state', body: { operation: 'get', ...state } };
    }
  }
}

/**
 * 200 with the report when every item went through; otherwise the report with 503 when a failure
 * is worth retrying (RGW unavailable) or 422 when it is not. CloudEvent callers get a reply event
 * on success and the same HTTP errors otherwise (so Knative retries exactly the transient ones).
 */
function respond(request: OperationRequest, result: Result, ce: InvocationContext['cloudevent'], source: string): HttpResponse | CloudEvent<unknown> {
  let status = 200;
  let body: unknown;
  if (result.kind === 'report') {
    const failed = result.report.items.filter((i) => i.kind !== 'warning' && i.action === 'failed');
    if (failed.length) {
      const retryable = failed.some((i) => i.kind !== 'warning' && (i.error?.status ?? 500) >= 500);
      status = retryable ? 503 : 422;
      body = { ...result.report, error: { code: retryable ? 'partly_failed_retryable' : 'partly_failed', message: `${failed.length} item(s) failed: see items`, retryable } };
    } else body = result.report;
  } else body = result.body;
  if (ce && status === 200) {
    return new CloudEvent<unknown>({ type: REPORT_EVENT_TYPE, source, subject: request.operation, datacontenttype: 'application/json', data: body });
  }
  return jsonResponse(status, body);
}

export const { liveness, readiness } = healthChecks({ notReadyReason: () => notReady });

export function shutdown(): void {
  notReady = 'shutting down';
  instance?.rgw.destroy();
  instance = undefined;
}
