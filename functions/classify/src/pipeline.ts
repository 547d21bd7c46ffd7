import type { S3Client } from '@aws-sdk/client-s3';
import { FunctionError, type Logger } from './vendor/core/index.js';
import type { ClassifyConfig } from './config.js';
import { checkRecordCount, type Envelope } from './events/envelope.js';
import type { ObjectEvent } from './events/record.js';
import { isObjectCreated } from './events/types.js';
import { decodeImage } from './images/decode.js';
import type { StageTimings } from './metrics/classify-metrics.js';
import type { ImageClassifier } from './models/classifier.js';
import { parseStoredResult, type ClassificationResult } from './results/document.js';
import { isResultKey, resultKey, versionTag } from './results/naming.js';
import { fetchObject, putJsonIfAbsent, readTextIfPresent } from './storage/objects.js';

/**
 * The object has a result now: this delivery produced it, or an earlier one did (`result` is the stored
 * one). `timings`: this delivery's own stage times, store included (classified only; for metrics).
 */
export type Done = { status: 'classified' | 'duplicate'; object: ObjectRef; result: ClassificationResult; timings?: StageTimings };
export type Outcome = Done | { status: 'ignored'; object: ObjectRef; reason: string } | { status: 'failed'; object: ObjectRef; error: FunctionError };

export interface ObjectRef {
  bucket: string;
  key: string;
  eventName: string;
}

export interface PipelineDeps {
  s3: S3Client;
  classifier: ImageClassifier;
  config: ClassifyConfig;
  backend: string;
  log: Logger;
}

/** Event records → stored, de-duplicated classification results. One instance per process. */
export class ClassifyPipeline {
  /**
   * Result keys being produced right now: a duplicate arriving meanwhile waits for the first and shares
   * its end, the stored result or the same failure (a transient one must be retried, not acknowledged).
   */
  private readonly inFlight = new Map<string, Promise<Done>>();

  constructor(private readonly deps: PipelineDeps) {}

  /** Objects being classified right now (with a version to de-duplicate on). */
  get inProgress(): number {
    return this.inFlight.size;
  }

  async process(envelope: Envelope): Promise<Outcome[]> {
    checkRecordCount(envelope, this.deps.config.MAX_RECORDS);
    const outcomes: Outcome[] = [];
    // Sequential on purpose: inference is CPU-bound, so parallel records would only interleave.
    for (const record of envelope.records) outcomes.push(await this.processRecord(record, envelope));
    return outcomes;
  }

  private async processRecord(event: ObjectEvent, envelope: Envelope): Promise<Outcome> {
    const object: ObjectRef = { bucket: event.bucket, key: event.key, eventName: event.eventName };
    try {
      const skip = this.reasonToSkip(event);
      if (skip) return { status: 'ignored', object, reason: skip };
      this.checkAdmissible(event);
      const tag = versionTag(event);
      if (!tag) return await this.classify(event, envelope, object);
      // One result per object version and model: a newer model's result goes beside the old one.
      const key = resultKey(this.deps.config.RESULTS_PREFIX, event.key, tag, this.deps.classifier.spec);
      const running = this.inFlight.get(key);
      if (running) return { status: 'duplicate', object, result: (await running).result };
      const work = this.classifyOnce(event, envelope, object, key);
      this.inFlight.set(key, work);
      try {
        return await work;
      } finally {
        this.inFlight.delete(key);
      }
    } catch (error) {
      if (error instanceof FunctionError) return { status: 'failed', object, error };
      throw error;
    }
  }

  private reasonToSkip(event: ObjectEvent): string | undefined {
    if (!isObjectCreated(event.eventName)) return `${event.eventName} is not an object-created event`;
    const { RESULTS_PREFIX, RESULTS_BUCKET } = this.deps.config;
    if ((!RESULTS_BUCKET || RESULTS_BUCKET === event.bucket) && isResultKey(RESULTS_PREFIX, event.key)) {
      return `${event.key} is a classification result (under ${RESULTS_PREFIX})`;
    }
    return undefined;
  }

  private checkAdmissible(event: ObjectEvent): void {
    const { ALLOWED_BUCKETS, MAX_OBJECT_BYTES } = this.deps.config;
    if (ALLOWED_BUCKETS.length > 0 && !ALLOWED_BUCKETS.includes(event.bucket)) {
      throw new FunctionError(403, 'bucket_not_allowed', `bucket ${event.bucket} is not in ALLOWED_BUCKETS`);
    }
    if (event.size !== undefined && event.size > MAX_OBJECT_BYTES) {
      throw new FunctionError(413, 'object_too_large', `the object is ${event.size} bytes; MAX_OBJECT_BYTES is ${MAX_OBJECT_BYTES}`);
    }
  }

  private async classifyOnce(event: ObjectEvent, envelope: Envelope, object: ObjectRef, key: string): Promise<Done> {
    const stored = await this.storedResult(this.resultsBucket(event), key);
    if (stored) return { status: 'duplicate', object, result: stored };
    return this.classify(event, envelope, object);
  }

  private async storedResult(bucket: string, key: string): Promise<ClassificationResult | undefined> {
    const text = await readTextIfPresent(this.deps.s3, bucket, key);
    return text === undefined ? undefined : parseStoredResult(text, `s3://${bucket}/${key}`);
  }

  private resultsBucket(event: ObjectEvent): string {
    return this.deps.config.RESULTS_BUCKET ?? event.bucket;
  }

  private async classify(event: ObjectEvent, envelope: Envelope, object: ObjectRef): Promise<Done> {
    const { s3, classifier, config, backend, log } = this.deps;
    const t0 = performance.now();
    const fetched = await fetchObject(
      s3,
      { bucket: event.bucket, key: event.key, ...(event.versionId ? { versionId: event.versionId } : {}), ...(event.eTag ? { eTag: event.eTag } : {}) },
      config.MAX_OBJECT_BYTES,
    );
    const versionId = event.versionId ?? fetched.versionId;
    const eTag = event.eTag ?? fetched.eTag;
    const tag = versionTag({ ...(versionId ? { versionId } : {}), ...(eTag ? { eTag } : {}) });
    // Without either the result cannot be named; a store (or a proxy) that drops them does so every time.
    if (!tag) throw new FunctionError(422, 'no_version', 'the object store returned neither a version id nor an ETag, so the result cannot be named');
    const t1 = performance.now();
    const spec = classifier.spec;
    const image = await decodeImage(fetched.bytes, {
      size: spec.inputSize,
      resize: spec.resize,
      cropFraction: spec.cropFraction,
      maxPixels: config.MAX_PIXELS,
    });
    const t2 = performance.now();
    const predictions = classifier.classify(image.pixels, config.TOP_K);
    const t3 = performance.now();
    const top = predictions[0];
    if (!top) throw new Error('the model returned no classes');

    const key = resultKey(config.RESULTS_PREFIX, event.key, tag, spec);
    const result: ClassificationResult = {
      schema: 'bucket-ml.classification/v1',
      object: {
        bucket: event.bucket,
        key: event.key,
        ...(eTag ? { eTag } : {}),
        ...(versionId ? { versionId } : {}),
        size: fetched.bytes.byteLength,
        ...(fetched.contentType ? { contentType: fetched.contentType } : {}),
      },
      image: { format: image.source.format, width: image.source.width, height: image.source.height },
      model: { name: spec.name, version: spec.version, backend },
      predictions,
      top,
      confidence: top.score < config.LOW_CONFIDENCE_THRESHOLD ? 'low' : 'high',
      event: {
        delivery: envelope.delivery,
        ...(envelope.eventId ? { id: envelope.eventId } : {}),
        ...(envelope.eventType ? { type: envelope.eventType } : {}),
        eventName: event.eventName,
        ...(event.eventTime ? { eventTime: event.eventTime } : {}),
      },
      timings: { fetchMs: ms(t1 - t0), decodeMs: ms(t2 - t1), inferenceMs: ms(t3 - t2), totalMs: 0 },
      resultKey: key,
      classifiedAt: new Date().toISOString(),
    };
    const t4 = performance.now();
    result.timings.totalMs = ms(t4 - t0);
    const stored = await putJsonIfAbsent(s3, this.resultsBucket(event), key, result);
    const t5 = performance.now();
    if (!stored) {
      // Another instance stored it first: its result is the one every reply must carry.
      const stored = await this.storedResult(this.resultsBucket(event), key);
      if (!stored) throw new FunctionError(503, 'result_conflict', `s3://${this.resultsBucket(event)}/${key} was written and removed meanwhile; try again`);
      return { status: 'duplicate', object, result: stored };
    }
    log.info('classified', {
      bucket: event.bucket,
      key: event.key,
      version: tag,
      label: top.label,
      score: round(top.score),
      confidence: result.confidence,
      model: `${spec.name}@${spec.version}`,
      resultKey: key,
      timings: result.timings,
    });
    const timings = { ...result.timings, storeMs: ms(t5 - t4), totalMs: ms(t5 - t0) };
    return { status: 'classified', object, result, timings };
  }
}

const ms = (v: number): number => Math.round(v * 10) / 10;
const round = (v: number): number => Math.round(v * 1e4) / 1e4;
