/**
 * The score function for faas-js-runtime: the loader loads and verifies the models before the server
 * listens (core's lifecycle stops the process with exit code 1 when they do not check out: a pod that
 * cannot serve the trained models must not become ready); the handler answers every URL (the core
 * server entry hands it every path, told by requestPath; src/protocols/router.ts routes it).
 */
import { readConfig } from './config.js';
import { measureRequest, scoreReady } from './metrics/score-metrics.js';
import { invoke, startService } from './service.js';
import { defineFunction, MODEL_PART, requestPath } from './vendor/core/index.js';

export const { init, handle, liveness, readiness, shutdown } = defineFunction({
  name: 'score',
  starting: 'starting: loading the models',
  config: () => readConfig(),
  load: async ({ config, log, part }) => {
    const served = await part(MODEL_PART, () => startService(config, log));
    return { instance: served, ready: { models: served.names } };
  },
  onReady: (startup, served) => scoreReady(served.models, startup),
  handle: (served, { context }, body) => measureRequest(() => invoke(served, { ...context, path: requestPath(context) }, body)),
});
