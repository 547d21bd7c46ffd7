/**
 * score's metrics: request counts by protocol, status and error code, and the time of each request
 * split into `predict` (the models' own run()) and `parse` (everything else of the request: decoding,
 * validation, feature matrices, answer shaping).
 *
 * Measured at two seams rather than in every route: the model's run(), which every protocol reaches
 * (predict), and protocols/failures.ts, through which every answer's protocol and error pass. score
 * answers synchronously, so one request is measured at a time and a module-level record suffices.
 */
import type { CloudEvent } from 'cloudevents';
import type { LoadedModel } from '../artifact/load.js';
import type { Protocol } from '../protocols/failures.js';
import { counter, FAST_SECONDS_BUCKETS, FunctionError, histogram, recordModelInfo, recordStartup, type HttpResponse, type StartupFigures } from '../vendor/core/index.js';

const stages = histogram({
  name: 'bucketml_score_stage_duration_seconds',
  help: 'Time of the requests that ran a model, by stage: predict (the models) and parse (the rest of the request)',
  labelNames: ['stage', 'protocol'],
  buckets: [...FAST_SECONDS_BUCKETS],
});
const requests = counter({
  name: 'bucketml_score_requests_total',
  help: 'Requests score answered, by protocol, HTTP status and error code (empty when it succeeded)',
  labelNames: ['protocol', 'status', 'code'],
});

interface Measured {
  protocol: Protocol;
  code: string;
  predictMs: number;
  runs: number;
}

let current: Measured | undefined;

/** The request is answered in `protocol` (the last one named wins: `/` hands a body to the protocol of its shape). */
export function answeringIn(protocol: Protocol): void {
  if (current) current.protocol = protocol;
}

/** The request is answered with this failure. */
export function failingWith(protocol: Protocol, error: unknown): void {
  if (!current) return;
  current.protocol = protocol;
  current.code = error instanceof FunctionError ? error.code : 'internal';
}

/** Measures one request; `run` is the whole of it (score's invoke). */
export function measureRequest<R extends HttpResponse | CloudEvent<unknown>>(run: () => R): R {
  const started = performance.now();
  const measured: Measured = (current = { protocol: 'score', code: '', predictMs: 0, runs: 0 });
  try {
    const reply = run();
    // a CloudEvent reply is a 200
    const { statusCode } = reply as Partial<HttpResponse>;
    const status = typeof statusCode === 'number' ? statusCode : 200;
    requests.inc({ protocol: measured.protocol, status: String(status), code: status < 400 ? '' : measured.code });
    if (measured.runs > 0) {
      const totalMs = performance.now() - started;
      stages.observe({ stage: 'predict', protocol: measured.protocol }, measured.predictMs / 1000);
      stages.observe({ stage: 'parse', protocol: measured.protocol }, Math.max(0, totalMs - measured.predictMs) / 1000);
    }
    return reply;
  } finally {
    current = undefined;
  }
}

/**
 * Once the models are loaded and verified: their info series, the start-up figures, and a timer around
 * each model's run() (after the reference rows were checked, so those are not counted).
 */
export function scoreReady(models: readonly LoadedModel[], startup: StartupFigures): void {
  for (const { model } of models) {
    const run = model.run.bind(model);
    model.run = (raw, rows) => {
      const t0 = performance.now();
      try {
        return run(raw, rows);
      } finally {
        if (current) {
          current.predictMs += performance.now() - t0;
          current.runs++;
        }
      }
    };
  }
  // backend: the predictor that runs the model (score's own LDA or MLP kernels)
  recordModelInfo(startup.function, models.map((m) => ({ model: m.model.name, version: m.version, backend: m.model.type })));
  recordStartup(startup);
}
