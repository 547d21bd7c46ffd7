import type { S3Client } from '@aws-sdk/client-s3';
import { FunctionError, type Logger } from './vendor/core/index.js';
import type { ClassifyConfig } from './config.js';
import { recordFields } from './events/correlation.js';
import { checkRecordCount, type Envelope } from './events/envelope.js';
import type { ObjectEvent } from './events/record.js';
import { isObjectCreated } from './events/types.js';
import { decodeImage } from './images/decode.js';
import type { InferenceService } from './inference/service.js';
import { topClasses, type ImageClassifier } from './models/classifier.js';
import { logOutcome, type Done, type Failed, type ObjectRef, type Outcome } from './outcome.js';
import { deliveryInfo } from './results/delivery.js';
import { buildResult, parseStoredResult, type ClassificationResult, type ModelInfo } from './results/document.js';
import { buildFailure, errorOf, isDecidedByContent, parseStoredFailure, unstored, type ClassificationFailure } from './results/failure.js';
import { failureKey, isResultKey, resultKey, versionTag } from './results/naming.js';
import { Stopwatch } from './results/timings.js';
import { fetchObject, putFailureJson, putJsonIfAbsent, readTextIfPresent, type FetchedObject } from './storage/objects.js';

export type { Done, Failed, ObjectRef, Outcome } from './outcome.js';

export interface PipelineDeps {
  s3: S3Client;
  classifier: ImageClassifier;
  /** Where inference runs (worker threads, or this thread); the classifier gives the spec and labels. */
  inference: InferenceService;
  config: ClassifyConfig;
  backend: string;
  /** The instance's logger: used when process() is given none. */
  log: Logger;
}

/** What one attempt at one record has learned so far: a failure document says as much as is known. */
interface Attempt {
  event: ObjectEvent;
  envelope: Envelope;
  object: ObjectRef;
  clock: Stopwatch;
  /** The version tag: the event's, else the one the store answered with. */
  tag?: string;
  read?: FetchedObject;
}

/** Event records → stored, de-duplicated classification results and failures. One instance per process. */
export class ClassifyPipeline {
  /**
   * Result keys being produced right now: a duplicate arriving meanwhile waits for the first and shares
   * its end, the stored result or the same failure (a transient one must be retried, not acknowledged).
   */
  private readonly inFlight = new Map<string, Promise<Outcome>>();

  constructor(private readonly deps: PipelineDeps) {}

  /** `log` is the invocation's logger (it carries the event id); each record's lines add the object. */
  async process(envelope: Envelope, log: Logger = this.deps.log): Promise<Outcome[]> {
    checkRecordCount(envelope, this.deps.config.MAX_RECORDS);
    const outcomes: Outcome[] = [];
    // Sequential on purpose: inference is CPU-bound, so parallel records would only interleave.
    for (const record of envelope.records) {
      const recordLog = log.child(recordFields(record));
      const outcome = await this.processRecord(record, envelope, recordLog);
      // The one place an outcome is reported.
      logOutcome(recordLog, outcome);
      outcomes.push(outcome);
    }
    return outcomes;
  }

  private async processRecord(event: ObjectEvent, envelope: Envelope, log: Logger): Promise<Outcome> {
    const object: ObjectRef = { bucket: event.bucket, key: event.key, eventName: event.eventName };
    const skip = this.reasonToSkip(event);
    if (skip) return { status: 'ignored', object, reason: skip };
    const attempt: Attempt = { event, envelope, object, clock: new Stopwatch() };
    const tag = versionTag(event);
    if (!tag) return this.attempt(attempt, log);
    attempt.tag = tag;
    // One result per object version and model: a newer model's result goes beside the old one.
    const key = resultKey(this.deps.config.RESULTS_PREFIX, event.key, tag, this.deps.classifier.spec);
    const running = this.inFlight.get(key);
    if (running) return sharedEnd(await running);
    const work = this.attempt(attempt, log);
    this.inFlight.set(key, work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(key);
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

  /** Every FunctionError becomes a failed outcome; anything else is a bug and answers 500. */
  private async attempt(attempt: Attempt, log: Logger): Promise<Outcome> {
    try {
      this.checkAdmissible(attempt.event);
      const earlier = attempt.tag ? await this.earlierEnd(attempt, attempt.tag) : undefined;
      return earlier ?? (await this.classify(attempt));
    } catch (error) {
      if (error instanceof FunctionError) return this.failed(attempt, error, log);
      throw error;
    }
  }

  private checkAdmissible(event: ObjectEvent): void {
    const { MAX_OBJECT_BYTES } = this.deps.config;
    if (!this.allowed(event.bucket)) {
      throw new FunctionError(403, 'bucket_not_allowed', `bucket ${event.bucket} is not in ALLOWED_BUCKETS`);
    }
    if (event.size !== undefined && event.size > MAX_OBJECT_BYTES) {
      throw new FunctionError(413, 'object_too_large', `the object is ${event.size} bytes; MAX_OBJECT_BYTES is ${MAX_OBJECT_BYTES}`);
    }
  }

  private allowed(bucket: string): boolean {
    const { ALLOWED_BUCKETS } = this.deps.config;
    return ALLOWED_BUCKETS.length === 0 || ALLOWED_BUCKETS.includes(bucket);
  }

  /**
   * What an earlier delivery of this version left: its result (which always wins), or a failure the
   * bytes alone decided (re-emitted: the same bytes fail the same way). Both read at once: a new
   * upload, the common case, pays one round trip.
   */
  private async earlierEnd(attempt: Attempt, tag: string): Promise<Outcome | undefined> {
    const { config, classifier } = this.deps;
    const bucket = this.resultsBucket(attempt.event);
    const [result, failure] = await Promise.all([
      this.storedResult(bucket, resultKey(config.RESULTS_PREFIX, attempt.event.key, tag, classifier.spec)),
      this.storedFailure(bucket, failureKey(config.RESULTS_PREFIX, attempt.event.key, tag, classifier.spec)),
    ]);
    if (result) return { status: 'duplicate', object: attempt.object, result };
    if (failure && isDecidedByContent(failure.error.code)) {
      return { status: 'failed', object: attempt.object, error: errorOf(failure), timings: attempt.clock.soFar(), failure, repeated: true };
    }
    return undefined;
  }

  private async storedResult(bucket: string, key: string): Promise<ClassificationResult | undefined> {
    const text = await readTextIfPresent(this.deps.s3, bucket, key);
    return text === undefined ? undefined : parseStoredResult(text, `s3://${bucket}/${key}`);
  }

  /** An unreadable failure document is as good as none: the next failure overwrites it. */
  private async storedFailure(bucket: string, key: string): Promise<ClassificationFailure | undefined> {
    const text = await readTextIfPresent(this.deps.s3, bucket, key);
    if (text === undefined) return undefined;
    try {
      return parseStoredFailure(text, `s3://${bucket}/${key}`);
    } catch {
      return undefined;
    }
  }

  private resultsBucket(event: ObjectEvent): string {
    return this.deps.config.RESULTS_BUCKET ?? event.bucket;
  }

  private model(): ModelInfo {
    const { spec } = this.deps.classifier;
    return { name: spec.name, version: spec.version, backend: this.deps.backend };
  }

  private async classify(attempt: Attempt): Promise<Done> {
    const { s3, classifier, inference, config } = this.deps;
    const { event, clock } = attempt;
    const target = { bucket: event.bucket, key: event.key, ...(event.versionId ? { versionId: event.versionId } : {}), ...(event.eTag ? { eTag: event.eTag } : {}) };
    const fetched = await fetchObject(s3, target, config.MAX_OBJECT_BYTES);
    clock.lap('fetch');
    attempt.read = fetched;
    const object = knownObject(attempt);
    attempt.tag ??= versionTag(object);
    // Without either the result cannot be named; a store (or a proxy) that drops them does so every time.
    if (!attempt.tag) throw new FunctionError(422, 'no_version', 'the object store returned neither a version id nor an ETag, so the result cannot be named');
    const spec = classifier.spec;
    const image = await decodeImage(fetched.bytes, { size: spec.inputSize, resize: spec.resize, cropFraction: spec.cropFraction, maxPixels: config.MAX_PIXELS });
    clock.lap('decode');
    const predictions = topClasses(await inference.classify(image.pixels), config.TOP_K, spec.labels);
    clock.lap('inference');

    const key = resultKey(config.RESULTS_PREFIX, event.key, attempt.tag, spec);
    const result = buildResult({
      object: { ...object, size: fetched.bytes.byteLength },
      image: { format: image.source.format, width: image.source.width, height: image.source.height },
      model: this.model(),
      predictions,
      lowConfidenceThreshold: config.LOW_CONFIDENCE_THRESHOLD,
      event: deliveryInfo(attempt.envelope, event),
      timings: clock.complete(),
      resultKey: key,
      at: new Date(),
    });
    const bucket = this.resultsBucket(event);
    const written = await putJsonIfAbsent(s3, bucket, key, result);
    clock.lap('store');
    if (!written) {
      // Another instance stored it first: its result is the one every reply must carry.
      const stored = await this.storedResult(bucket, key);
      if (!stored) throw new FunctionError(503, 'result_conflict', `s3://${bucket}/${key} was written and removed meanwhile; try again`);
      return { status: 'duplicate', object: attempt.object, result: stored };
    }
    // The stored document's timings end before the write; metrics see the write too.
    return { status: 'classified', object: attempt.object, result, timings: clock.withStore(result.timings) };
  }

  /**
   * A failed attempt's outcome. A permanent failure gets its document, stored beside the results when
   * it can be named (and written where classify may write); a transient one is retried instead.
   */
  private async failed(attempt: Attempt, error: FunctionError, log: Logger): Promise<Failed> {
    const outcome: Failed = { status: 'failed', object: attempt.object, error, timings: attempt.clock.soFar() };
    if (error.retryable) return outcome;
    const { config, classifier, s3 } = this.deps;
    const key = attempt.tag ? failureKey(config.RESULTS_PREFIX, attempt.event.key, attempt.tag, classifier.spec) : undefined;
    const failure = buildFailure({
      object: knownObject(attempt),
      model: this.model(),
      error,
      event: deliveryInfo(attempt.envelope, attempt.event),
      timings: outcome.timings,
      ...(key ? { resultKey: key } : {}),
      at: new Date(),
    });
    const bucket = this.resultsBucket(attempt.event);
    // Never write into a bucket ALLOWED_BUCKETS keeps classify out of (RESULTS_BUCKET is the operator's choice).
    if (!key || (!config.RESULTS_BUCKET && !this.allowed(bucket))) return { ...outcome, failure: unstored(failure) };
    try {
      await putFailureJson(s3, bucket, key, failure);
      return { ...outcome, failure };
    } catch (storeError) {
      if (!(storeError instanceof FunctionError)) throw storeError;
      // The store may come back: the retry stores the failure and sends it on.
      if (storeError.retryable) return { ...outcome, error: storeError };
      log.warn('failure not stored', { failureKey: key, status: storeError.status, code: storeError.code, reason: storeError.message });
      return { ...outcome, failure: unstored(failure) };
    }
  }
}

/** The object as far as it is known: the event's version, else the store's; size and type once read. */
function knownObject(attempt: Attempt): ClassificationFailure['object'] {
  const { event, read } = attempt;
  const eTag = event.eTag ?? read?.eTag;
  const versionId = event.versionId ?? read?.versionId;
  const size = read ? read.bytes.byteLength : event.size;
  return {
    bucket: event.bucket,
    key: event.key,
    ...(eTag ? { eTag } : {}),
    ...(versionId ? { versionId } : {}),
    ...(size === undefined ? {} : { size }),
    ...(read?.contentType ? { contentType: read.contentType } : {}),
  };
}

/** A delivery that waited for another one of the same version: the same end, a new result being a duplicate now. */
function sharedEnd(outcome: Outcome): Outcome {
  return outcome.status === 'classified' ? { ...outcome, status: 'duplicate' } : outcome;
}
