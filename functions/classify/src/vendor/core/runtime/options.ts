// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * The command line and environment of the server entry, read exactly as faas-js-runtime's own CLI
 * (bin/cli.js) reads them, so `npm start` takes the same flags and FUNC_* variables as before.
 */
import { parseArgs } from 'node:util';

/** The options faas-js-runtime's start() takes (func.yaml next to the process is read by start()). */
export interface RuntimeOptions {
  logLevel: string;
  port: string | number;
  includeRaw: boolean;
  bodyLimit: string | number;
}

export interface RuntimeDefaults {
  LOG_LEVEL: string;
  PORT: number;
  INCLUDE_RAW: boolean;
  BODY_LIMIT: number;
}

export interface CommandLine {
  /** The function module, e.g. ./build/index.js. */
  file: string;
  options: RuntimeOptions;
}

export const USAGE = 'usage: serve [--log-level <level>] [--port <port>] [--include-raw] [--bodyLimit <bytes>] <file>';

/** Throws with USAGE when the arguments are not the CLI's. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv, defaults: RuntimeDefaults): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'log-level': { type: 'string' },
        port: { type: 'string' },
        'include-raw': { type: 'boolean' },
        bodyLimit: { type: 'string' },
      },
    });
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, { cause: error });
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) throw new Error(`expected one function file\n${USAGE}`);
  const flags = parsed.values;
  // Same precedence as bin/cli.js: variable, then flag, then the runtime's default.
  return {
    file,
    options: {
      logLevel: env.FUNC_LOG_LEVEL || flags['log-level'] || defaults.LOG_LEVEL,
      port: env.FUNC_PORT || flags.port || defaults.PORT,
      includeRaw: env.FUNC_INCLUDE_RAW ? true : flags['include-raw'] || defaults.INCLUDE_RAW,
      bodyLimit: env.FUNC_BODY_LIMIT || flags.bodyLimit || defaults.BODY_LIMIT,
    },
  };
}

/** A probe handler exported by the function; faas-js-runtime mounts it on its own `path` if set. */
interface Probe {
  path?: unknown;
}

/**
 * The paths faas-js-runtime answers itself: lib/health-check.js (handler's `path`, else
 * LIVENESS_URL/READINESS_URL, else its defaults) and lib/request-handler.js (METRICS_URL or /metrics).
 */
export function runtimePaths(module: { liveness?: Probe; readiness?: Probe }, env: NodeJS.ProcessEnv): Set<string> {
  const own = (probe: Probe | undefined): string | undefined => (typeof probe?.path === 'string' && probe.path ? probe.path : undefined);
  return new Set([
    own(module.liveness) || env.LIVENESS_URL || '/health/liveness',
    own(module.readiness) || env.READINESS_URL || '/health/readiness',
    metricsPath(env),
  ]);
}

/** Where faas-js-runtime serves its metrics (lib/request-handler.js). */
export const metricsPath = (env: NodeJS.ProcessEnv): string => env.METRICS_URL || '/metrics';
