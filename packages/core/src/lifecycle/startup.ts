/** Start-up bookkeeping: named parts timed in ms, and what a failed start-up says in its log line. */

/** Wall time of each named start-up part (`model`, `warmup`, …), in whole milliseconds. */
export type StartupParts = Record<string, number>;

/** The part a loader names `model` is the model load: what `bucketml_model_load_duration_seconds` reports. */
export const MODEL_PART = 'model';

export class StartupClock {
  readonly started = performance.now();
  readonly parts: StartupParts = {};

  /** Runs one part and records its wall time, also when it throws (the failure log shows how far it got). */
  async part<T>(name: string, run: () => T | Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      this.parts[name] = Math.round(performance.now() - t0);
    }
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }
}

/** The problems a start-up error lists, one per line (ConfigError, score's StartupError carry `problems`). */
export function startupProblems(error: unknown): string[] | undefined {
  const problems = (error as { problems?: unknown } | null)?.problems;
  return Array.isArray(problems) && problems.length > 0 && problems.every((p) => typeof p === 'string') ? problems : undefined;
}

/**
 * How a process that cannot start ends: exit code 1 after a moment, so the lines already written (ours
 * and the runtime's) reach the log. faas-js-runtime only prints a rejected init, and its process would
 * exit 0, or linger with nothing listening when a client keeps the event loop busy.
 */
export function exitProcess(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 100);
}
