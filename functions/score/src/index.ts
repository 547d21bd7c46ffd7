import type { CloudEvent } from 'cloudevents';
import { readConfig } from './config.js';
import { measureRequest, scoreReady } from './metrics/score-metrics.js';
import { invoke, startService, StartupError, type InvocationContext } from './service.js';
import type { Served } from './served.js';
import {
  ConfigError,
  createLogger,
  describe,
  errorResponse,
  FunctionError,
  healthChecks,
  requestPath,
  type HttpResponse,
} from './vendor/core/index.js';

/**
 * The score function for faas-js-runtime: `init` loads and verifies the models before the server
 * listens (a failure stops the process with exit code 1: a pod that cannot serve the trained models
 * must not become ready), `handle` answers every URL (the core server entry hands it every path, told
 * by requestPath; src/protocols/router.ts routes it), and the probes report the process alive and the
 * models loaded.
 */
let served: Served | undefined;
let log = createLogger({ function: 'score' });

export async function init(): Promise<void> {
  try {
    const config = readConfig();
    log = createLogger({ function: 'score' }, { level: config.LOG_LEVEL });
    const started = performance.now();
    served = await startService(config, log);
    scoreReady(served.models, { function: 'score', sinceProcessStartMs: performance.now(), modelLoadMs: performance.now() - started });
  } catch (error) {
    const problems = error instanceof ConfigError || error instanceof StartupError ? error.problems : [describe(error)];
    log.error('start failed', { problems });
    // faas-js-runtime only prints a rejected init; the exit code is what tells Kubernetes.
    process.exitCode = 1;
    throw error;
  }
}

export function handle(context: InvocationContext, body?: unknown): HttpResponse | CloudEvent<unknown> {
  if (!served) return errorResponse(new FunctionError(503, 'not_ready', 'the models are not loaded yet'), log);
  const current = served;
  return measureRequest(() => invoke(current, { ...context, path: requestPath(context) }, body));
}

const probes = healthChecks({ notReadyReason: () => (served ? undefined : 'models not loaded') });
export const liveness = probes.liveness;
export const readiness = probes.readiness;

export function shutdown(): void {
  log.info('shutting down');
}
