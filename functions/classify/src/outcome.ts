/**
 * What became of one record of a delivery: the one value the reply (respond.ts), the log line
 * (logOutcome, below) and metrics are made from.
 */
import type { FunctionError, Logger } from './vendor/core/index.js';
import type { ClassificationResult } from './results/document.js';
import type { ClassificationFailure } from './results/failure.js';
import type { StoredTimings, TimingsSoFar } from './results/timings.js';

export interface ObjectRef {
  bucket: string;
  key: string;
  eventName: string;
}

/**
 * The object has a result now: this delivery produced it, or an earlier one did (`result` is the stored
 * one). `timings`: this delivery's own stage times, the write included (classified only; for metrics).
 */
export type Done = { status: 'classified' | 'duplicate'; object: ObjectRef; result: ClassificationResult; timings?: StoredTimings };

export interface Failed {
  status: 'failed';
  object: ObjectRef;
  error: FunctionError;
  /** How far this attempt got (empty stages when the failure came before the object was read). */
  timings: TimingsSoFar;
  /**
   * The failure document of a permanent failure (always, when the failure is permanent; never for a
   * transient one). Stored when it has a `resultKey`.
   */
  failure?: ClassificationFailure;
  /** The failure was already stored by an earlier delivery of this version and is re-emitted as it was. */
  repeated?: true;
}

export type Outcome = Done | { status: 'ignored'; object: ObjectRef; reason: string } | Failed;

/** One log line per outcome; the logger already carries the event id and the object. */
export function logOutcome(log: Logger, outcome: Outcome): void {
  switch (outcome.status) {
    case 'classified': {
      const { result } = outcome;
      log.info('classified', {
        label: result.top.label,
        score: Math.round(result.top.score * 1e4) / 1e4,
        confidence: result.confidence,
        model: `${result.model.name}@${result.model.version}`,
        resultKey: result.resultKey,
        timings: result.timings,
      });
      return;
    }
    case 'duplicate':
      log.info('duplicate delivery', { resultKey: outcome.result.resultKey });
      return;
    case 'ignored':
      log.info('ignored', { reason: outcome.reason });
      return;
    case 'failed': {
      const { error, failure } = outcome;
      // A transient failure is worth a warning (it will be retried); a permanent one is the object's fate.
      log[error.retryable ? 'warn' : 'info']('not classified', {
        status: error.status,
        code: error.code,
        reason: error.message,
        timings: outcome.timings,
        ...(failure?.resultKey ? { resultKey: failure.resultKey } : {}),
        ...(outcome.repeated ? { repeated: true } : {}),
      });
    }
  }
}
