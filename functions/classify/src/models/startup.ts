/**
 * Cold start by part, printed in the `ready` log line as `startup` (the benchmark parses it: keep the
 * shape). importMs starts with process start → init (Node, the runtime and our static imports) and
 * adds every engine import; totalMs is process start → ready.
 */
export const STARTUP_PARTS = ['importMs', 'fetchMs', 'prepareMs', 'sessionMs', 'fidelityMs', 'warmupMs'] as const;
export type StartupPart = (typeof STARTUP_PARTS)[number];
export type StartupTimings = Record<StartupPart | 'totalMs', number>;

export class StartupClock {
  private readonly parts: Record<StartupPart, number> = { importMs: 0, fetchMs: 0, prepareMs: 0, sessionMs: 0, fidelityMs: 0, warmupMs: 0 };

  /** `sinceProcessStart`: count process start → now as import time (call it first thing in init). */
  constructor(options: { sinceProcessStart?: boolean } = {}) {
    if (options.sinceProcessStart) this.parts.importMs = performance.now();
  }

  async time<T>(part: StartupPart, work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.parts[part] += performance.now() - started;
    }
  }

  /** Rounded to 0.1 ms, in STARTUP_PARTS order then totalMs (process start → now). */
  report(): StartupTimings {
    const round = (ms: number): number => Math.round(ms * 10) / 10;
    const out = {} as StartupTimings;
    for (const part of STARTUP_PARTS) out[part] = round(this.parts[part]);
    out.totalMs = round(performance.now());
    return out;
  }
}
