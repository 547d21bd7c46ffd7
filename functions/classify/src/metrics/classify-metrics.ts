/**
 * classify's metrics, recorded at the one place where a delivery's outcomes are known (index.ts, after
 * the pipeline answered), from the outcomes themselves: the pipeline only measures its stages into
 * the `timings` it already returns.
 */
import type { CloudEvent } from 'cloudevents';
import type { Outcome } from '../pipeline.js';
import { counter, FunctionError, gauge, histogram, type HttpResponse } from '../vendor/core/index.js';
import { deliveryShape, eventIdentity, RecentEvents, type DeliveredEvent } from './delivery-shape.js';
import type { StoredTimings } from '../results/timings.js';

const stages = histogram({
  name: 'bucketml_classify_stage_duration_seconds',
  help: 'Time of each stage of classifying one image (total: fetch to stored result), in seconds',
  labelNames: ['stage'],
});
const outcomesTotal = counter({
  name: 'bucketml_classify_outcomes_total',
  help: 'Objects classify took, by outcome, HTTP status and error code (empty unless failed)',
  labelNames: ['outcome', 'status', 'code'],
});
const deliveries = counter({
  name: 'bucketml_classify_deliveries_total',
  help: 'Deliveries classify received, by the shape of their sender (see the README)',
  labelNames: ['shape'],
});
const batchSize = histogram({
  name: 'bucketml_inference_batch_size',
  help: 'Images per model run',
  buckets: [1, 2, 4, 8, 16, 32],
});

/** For the inference service (where batches are formed): one model run over `size` images. */
export function observeBatch(size: number): void {
  batchSize.observe(size);
}

/** What the inference service reports (functions/classify/src/inference: InferenceService.stats()). */
export interface InferenceLoad {
  queued: number;
  inFlight: number;
}

let load: () => InferenceLoad = () => ({ queued: 0, inFlight: 0 });
gauge({
  name: 'bucketml_inference_queue_depth',
  help: 'Images waiting for the model',
  collect() {
    this.set(load().queued);
  },
});
gauge({
  name: 'bucketml_inference_in_flight',
  help: 'Images being classified right now',
  collect() {
    this.set(load().inFlight);
  },
});

export class ClassifyMetrics {
  private readonly recent = new RecentEvents();

  /** `inference`: read at each scrape for the queue-depth and in-flight gauges. */
  constructor(inference: () => InferenceLoad) {
    load = inference;
  }

  /** A delivery arrived (before it is parsed: a malformed one is counted as `other`). */
  delivered(cloudevent: DeliveredEvent | undefined, body: unknown): void {
    const seen = cloudevent !== undefined && this.recent.seen(eventIdentity(cloudevent));
    deliveries.inc({ shape: deliveryShape(cloudevent, body, seen) });
  }

  /** The outcome of each object of a delivery, and the answer it got. */
  answered(outcomes: readonly Outcome[], reply: HttpResponse | CloudEvent<unknown>): void {
    const { statusCode } = reply as Partial<HttpResponse>;
    const status = String(typeof statusCode === 'number' ? statusCode : 200);
    for (const o of outcomes) {
      if (o.status === 'failed') outcomesTotal.inc({ outcome: 'failed', status: String(o.error.status), code: o.error.code });
      else outcomesTotal.inc({ outcome: o.status, status, code: '' });
      if (o.status === 'classified' && o.timings) this.observe(o.timings);
    }
  }

  /** A delivery that failed as a whole (malformed, too many records, unexpected): one failed outcome. */
  failed(error: unknown): void {
    const known = error instanceof FunctionError;
    outcomesTotal.inc({ outcome: 'failed', status: String(known ? error.status : 500), code: known ? error.code : 'internal' });
  }

  private observe(t: StoredTimings): void {
    stages.observe({ stage: 'fetch' }, t.fetchMs / 1000);
    stages.observe({ stage: 'decode' }, t.decodeMs / 1000);
    stages.observe({ stage: 'inference' }, t.inferenceMs / 1000);
    stages.observe({ stage: 'store' }, t.storeMs / 1000);
    stages.observe({ stage: 'total' }, t.totalMs / 1000);
  }
}
