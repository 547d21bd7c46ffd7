// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * The server entry of every bucket-ml function: `npm start` runs
 * `node build/vendor/core/runtime/serve.js ./build/index.js` in the function's directory (what s2i and
 * pack run in the container) instead of `faas-js-runtime ./build/index.js`.
 *
 * It starts the function with faas-js-runtime's own start(), as the runtime's CLI does, then puts
 * front.ts's listener in front of the runtime's on the server start() returns: any path reaches
 * `handle` (see requestPath), malformed CloudEvents get a deliberate 400 instead of a retried 500.
 * The swap happens in the same event-loop turn as the listen callback, before any connection can be
 * accepted, so no request ever reaches the runtime unwrapped. The runtime's `/metrics` answers with
 * bucket-ml's own metrics appended (metrics-endpoint.ts).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import faas, { type Function as FunctionModule, type InvokerOptions } from 'faas-js-runtime';
import { createLogger, type Level } from '../log.js';
import { frontListener, type RequestListener } from './front.js';
import { registry } from '../metrics/registry.js';
import { metricsPath, parseCommandLine, runtimePaths } from './options.js';

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'] satisfies Level[];

async function main(): Promise<void> {
  const { file, options } = parseCommandLine(process.argv.slice(2), process.env, faas.defaults);
  // The CLI imports the module by its absolute path (lib/function-loader.js); the functions are ESM.
  // start() checks that it exports handle, runs init(), reads func.yaml, takes probes, cors, shutdown.
  const module = (await import(pathToFileURL(path.resolve(file)).href)) as FunctionModule;
  // The CLI passes these strings as they come; the declared InvokerOptions type is narrower.
  const server = await faas.start(module, options as unknown as InvokerOptions);

  const listeners = server.listeners('request');
  const [runtime] = listeners;
  if (listeners.length !== 1 || typeof runtime !== 'function') throw new Error(`expected one request listener from faas-js-runtime, found ${listeners.length}`);
  server.removeListener('request', runtime as RequestListener);
  const level = LEVELS.includes(process.env.LOG_LEVEL ?? '') ? (process.env.LOG_LEVEL as Level) : 'info';
  server.on(
    'request',
    frontListener(runtime as RequestListener, {
      runtimePaths: runtimePaths(module, process.env),
      bodyLimit: Number(options.bodyLimit),
      log: createLogger({ component: 'runtime' }, { level }),
      // bucketml_* (the function's module filled this registry: same vendored copy) after the runtime's own
      metrics: { path: metricsPath(process.env), exposition: () => registry.metrics() },
    }),
  );
}

main().catch((error: unknown) => {
  // As the runtime's CLI prints it, but a function that cannot start must not exit 0.
  console.error(`⛔ ${String(error)}`);
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
