/**
 * One lifecycle for every bucket-ml function. A function is a configuration reader, a loader
 * (validated config → ready instance) and a handler (instance, invocation, body → reply); this module
 * turns them into the `init`, `handle`, `liveness`, `readiness` and `shutdown` that faas-js-runtime
 * takes from the function's module, so start-up failures, `not_ready`, logging and unexpected errors
 * are handled the same way in all of them.
 */
import type { CloudEvent } from 'cloudevents';
import { describe } from '../errors.js';
import { healthChecks, type ProbeHandler } from '../health.js';
import { errorResponse, jsonResponse, type HttpResponse } from '../http.js';
import { createLogger, type Level, type Logger, type Sink } from '../log.js';
import type { Invocation, InvocationContext } from './context.js';
import { notReadyResponse } from './not-ready.js';
import { exitProcess, MODEL_PART, StartupClock, startupProblems, type StartupParts } from './startup.js';

/** What a handler may answer: an HTTP response, or a CloudEvent (sent back as the reply event). */
export type Reply = HttpResponse | CloudEvent<unknown>;

/** What the loader gets: the validated configuration, the logger built from it, and a part timer. */
export interface StartupTools<C> {
  config: C;
  log: Logger;
  /** Runs one named part of the start-up and records its wall time under `startup.<name>` (ms). */
  part<T>(name: string, run: () => T | Promise<T>): Promise<T>;
}

export interface Loaded<I> {
  instance: I;
  /** Fields of the `ready` log line (model, backend …). */
  ready?: Record<string, unknown>;
  /** Parts the loader measured itself (ms), logged with those timed by `part`. */
  startup?: StartupParts;
}

/** Start-up figures, for the `ready` log line and for metrics (cold start, model load). */
export interface ReadyInfo {
  function: string;
  /** Wall time of init(): configuration, loading, warm-up (ms). */
  startupMs: number;
  /** From process start to ready (ms): the cold start as the process sees it. */
  sinceProcessStartMs: number;
  parts: StartupParts;
  /** The part named `model` (MODEL_PART), when the loader timed one. */
  modelLoadMs?: number;
}

export interface FunctionDefinition<C extends { LOG_LEVEL?: Level }, I, R extends Reply> {
  /** The function's name: the `function` field of every log line. */
  name: string;
  /** Reads and validates the configuration (throws ConfigError listing every problem). */
  config(): C;
  load(tools: StartupTools<C>): Loaded<I> | Promise<Loaded<I>>;
  handle(instance: I, invocation: Invocation, body: unknown): R | Promise<R>;
  /** Answers GET without a CloudEvent: `{ function: name, ...describe(instance) }` with 200. */
  describe?(instance: I): Record<string, unknown>;
  /** Fields every log line of one invocation carries (event id, object key …). */
  correlate?(context: InvocationContext, body: unknown): Record<string, unknown>;
  /** Releases the instance (models, clients) when the runtime stops. */
  shutdown?(instance: I): void | Promise<void>;
  /** Called once when ready (metrics: cold start, model load). A throw fails the start-up. */
  onReady?(info: ReadyInfo, instance: I): void;
  /** Why it is not ready while init runs, for the readiness probe and `not_ready` answers. */
  starting?: string;
}

export interface LifecycleOptions {
  /** How a failed start-up ends the process (tests replace it). */
  exit?: (code: number) => void;
  /** Where log lines go (stdout by default). */
  sink?: Sink;
}

/** What faas-js-runtime reads from a function module (runtime-contract.ts checks `handle`). */
export interface RuntimeHooks<R extends Reply = Reply> {
  init(): Promise<void>;
  handle(context: InvocationContext, body?: unknown): Promise<R | HttpResponse>;
  liveness: ProbeHandler;
  readiness: ProbeHandler;
  shutdown(): Promise<void>;
}

export interface FunctionLifecycle<R extends Reply> extends RuntimeHooks<R> {
  /** Start-up figures once ready, else undefined. */
  startup(): ReadyInfo | undefined;
  /** The function's logger: built from the validated configuration once init read it. */
  logger(): Logger;
}

export function defineFunction<C extends { LOG_LEVEL?: Level }, I, R extends Reply>(
  definition: FunctionDefinition<C, I, R>,
  options: LifecycleOptions = {},
): FunctionLifecycle<R> {
  const base = { function: definition.name };
  // Until the configuration is read, the default level: a configuration failure is an error anyway.
  let log = createLogger(base, { sink: options.sink });
  let instance: I | undefined;
  let notReady: string | undefined = definition.starting ?? 'starting';
  let ready: ReadyInfo | undefined;

  async function init(): Promise<void> {
    const clock = new StartupClock();
    try {
      const config = definition.config();
      log = createLogger(base, { level: config.LOG_LEVEL, sink: options.sink });
      const loaded = await definition.load({ config, log, part: (name, run) => clock.part(name, run) });
      const parts = { ...clock.parts, ...loaded.startup };
      const info: ReadyInfo = {
        function: definition.name,
        startupMs: clock.elapsedMs(),
        sinceProcessStartMs: Math.round(performance.now()),
        parts,
        ...(parts[MODEL_PART] === undefined ? {} : { modelLoadMs: parts[MODEL_PART] }),
      };
      definition.onReady?.(info, loaded.instance);
      instance = loaded.instance;
      ready = info;
      notReady = undefined;
      log.info('ready', { ...loaded.ready, startup: parts, initMs: info.startupMs });
    } catch (error) {
      const problems = startupProblems(error);
      log.error('cannot start', { error: describe(error), ...(problems ? { problems } : {}), ...(Object.keys(clock.parts).length ? { startup: clock.parts } : {}) });
      (options.exit ?? exitProcess)(1);
      throw error;
    }
  }

  async function handle(context: InvocationContext, body?: unknown): Promise<R | HttpResponse> {
    const current = instance;
    if (current === undefined) return notReadyResponse(notReady ?? 'not ready');
    let invocationLog = log;
    try {
      if (definition.correlate) invocationLog = log.child(definition.correlate(context, body));
      if (definition.describe && context.method === 'GET' && !context.cloudevent) {
        return jsonResponse(200, { function: definition.name, ...definition.describe(current) });
      }
      return await definition.handle(current, { context, log: invocationLog }, body);
    } catch (error) {
      // Never thrown to the runtime: it would answer 500 with the raw message.
      return errorResponse(error, invocationLog);
    }
  }

  async function shutdown(): Promise<void> {
    notReady = 'shutting down';
    const current = instance;
    instance = undefined;
    log.info('shutting down');
    if (current !== undefined) await definition.shutdown?.(current);
  }

  const { liveness, readiness } = healthChecks({ notReadyReason: () => notReady });
  return { init, handle, liveness, readiness, shutdown, startup: () => ready, logger: () => log };
}
