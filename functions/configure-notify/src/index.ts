/**
 * configure-notify: a Knative function (faas-js-runtime) that converges an RGW's topics and bucket
 * notifications to a declared state. Every call needs `Authorization: Bearer $CONFIGURE_NOTIFY_TOKEN`;
 * RGW credentials come only from the function's environment. The loader checks the configuration and
 * prepares the RGW clients; the handler runs one operation at a time (two applies must not interleave
 * their reads and writes). Core's lifecycle does the rest.
 */
import { CloudEvent, type CloudEventV1 } from 'cloudevents';
import { defineFunction, FunctionError, errorResponse, jsonResponse, recordStartup, type HttpResponse, type Invocation, type Loaded, type Logger, type StartupTools } from './vendor/core/index.js';
import { loadFunctionConfig, type FunctionConfig } from './config.js';
import { applyState, deleteState, getState } from './engine.js';
import { operationDone, operationFailed } from './metrics/notify-metrics.js';
import { connectRgw, rgwOptionsFromEnv, type Rgw } from './rgw/client.js';
import { makeTokenCheck, OPERATIONS, REPORT_EVENT_TYPE, requestFromCloudEvent, requestFromHttp, USAGE, type OperationRequest } from './request.js';
import type { Report } from './report.js';

interface Instance {
  rgw: Rgw;
  authorized: (headers: Record<string, unknown>) => boolean;
  eventSource: string;
  /** One operation at a time per instance. */
  queue: Promise<unknown>;
}

function load({ config, log }: StartupTools<FunctionConfig>): Loaded<Instance> {
  const rgw = connectRgw(rgwOptionsFromEnv(config));
  log.debug('rgw clients prepared', { rgw: rgw.endpoint });
  return {
    instance: { rgw, authorized: makeTokenCheck(config.CONFIGURE_NOTIFY_TOKEN), eventSource: config.EVENT_SOURCE, queue: Promise.resolve() },
    ready: { rgw: rgw.endpoint, rgwVersion: config.RGW_VERSION ?? 'probed from /swift/info' },
  };
}

const unauthorized = (): HttpResponse =>
  jsonResponse(
    401,
    { error: { code: 'unauthorized', message: 'send Authorization: Bearer <token> (the CONFIGURE_NOTIFY_TOKEN of this function)', retryable: false } },
    { 'www-authenticate': 'Bearer realm="configure-notify"' },
  );

async function operate(current: Instance, { context, log }: Invocation, body: unknown): Promise<HttpResponse | CloudEvent<unknown>> {
  try {
    if (!current.authorized(context.headers ?? {})) {
      log.warn('unauthenticated call refused', { method: context.method, cloudevent: Boolean(context.cloudevent) });
      return unauthorized();
    }
    // Described here rather than by the lifecycle's describe hook: only to callers with the token.
    if (!context.cloudevent && context.method === 'GET') {
      return jsonResponse(200, { function: 'configure-notify', operations: OPERATIONS, usage: USAGE, rgw: current.rgw.endpoint });
    }
    const ce = context.cloudevent;
    const request = ce
      ? requestFromCloudEvent(ce.type, ce.data ?? (ce.data_base64 ? Buffer.from(ce.data_base64, 'base64') : undefined))
      : requestFromHttp(body, context.query ?? {}, context.contentType);
    const run = current.queue.then(() => perform(request, current.rgw, log));
    run.then((r) => operationDone(request, r.kind === 'report' ? r.report : undefined), () => operationFailed(request));
    current.queue = run.catch(() => undefined);
    return respond(request, await run, ce, current.eventSource);
  } catch (error) {
    if (error instanceof FunctionError) log.info('refused', { status: error.status, code: error.code });
    return errorResponse(error, log);
  }
}

type Result = { kind: 'report'; report: Report } | { kind: 'state'; body: unknown };

async function perform(request: OperationRequest, rgw: Rgw, log: Logger): Promise<Result> {
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
function respond(request: OperationRequest, result: Result, ce: CloudEventV1<unknown> | undefined, source: string): HttpResponse | CloudEvent<unknown> {
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

export const { init, handle, liveness, readiness, shutdown } = defineFunction({
  name: 'configure-notify',
  config: () => loadFunctionConfig(),
  load,
  handle: operate,
  shutdown: (instance) => instance.rgw.destroy(),
  onReady: (startup) => recordStartup(startup),
});
