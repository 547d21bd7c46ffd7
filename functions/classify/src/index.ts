/**
 * classify: a Knative function (faas-js-runtime) that classifies every image landing in a bucket.
 * Lifecycle: init() loads the configuration, the backend and the model once per instance and warms
 * it up before the server listens; handle() turns each delivered event into stored results.
 */
import { createS3Client, createLogger, describe, errorResponse, healthChecks, jsonResponse, modelLocationDeps, recordModelInfo, recordStartup, type HttpResponse } from './vendor/core/index.js';
import { loadClassifyConfig } from './config.js';
import { fromCloudEvent, fromHttpBody, EXPECTED_SHAPE, type IncomingCloudEvent } from './events/envelope.js';
import { CLASSIFY_EVENT_TYPES, RESULT_EVENT_TYPE } from './events/types.js';
import { selectBackend } from './models/backend.js';
import { ImageClassifier } from './models/classifier.js';
import { ClassifyMetrics } from './metrics/classify-metrics.js';
import { ClassifyPipeline } from './pipeline.js';
import { respond, type Reply } from './respond.js';

/** The part of faas-js-runtime's invocation context classify uses. */
export interface InvocationContext {
  method: string;
  cloudevent?: IncomingCloudEvent;
}

interface Instance {
  pipeline: ClassifyPipeline;
  metrics: ClassifyMetrics;
  classifier: ImageClassifier;
  backend: string;
  eventSource: string;
}

const log = createLogger({ function: 'classify' }, { level: (process.env.LOG_LEVEL as 'info' | undefined) ?? 'info' });
let instance: Instance | undefined;
let notReady: string | undefined = 'starting: loading the model';

export async function init(): Promise<void> {
  const started = performance.now();
  try {
    const config = loadClassifyConfig();
    const backend = await selectBackend(config.TF_BACKEND);
    log.info('tensorflow backend selected', { backend });
    const s3 = createS3Client(config);
    const classifier = await ImageClassifier.load(
      {
        modelUrl: config.MODEL_URL,
        configUrl: config.MODEL_CONFIG_URL,
        labelsUrl: config.MODEL_LABELS_URL,
        overrides: {
          name: config.MODEL_NAME,
          version: config.MODEL_VERSION,
          inputSize: config.MODEL_INPUT_SIZE,
          scaling: config.MODEL_SCALING,
          output: config.MODEL_OUTPUT,
          resize: config.MODEL_RESIZE,
          cropFraction: config.MODEL_CROP_FRACTION,
        },
      },
      // The model may live where the function's own credentials cannot read (a Rook claim's user).
      modelLocationDeps(config),
    );
    const loadedMs = performance.now() - started;
    // The first inference compiles kernels and allocates; pay for it before taking traffic.
    classifier.classify(new Uint8Array(classifier.spec.inputSize ** 2 * 3), 1);
    const { labels, ...spec } = classifier.spec;
    const pipeline = new ClassifyPipeline({ s3, classifier, config, backend, log });
    instance = {
      pipeline,
      // until the inference pool reports its queue: the pipeline's own count of images in progress
      metrics: new ClassifyMetrics(() => ({ queued: 0, inFlight: pipeline.inProgress })),
      classifier,
      backend,
      eventSource: config.EVENT_SOURCE,
    };
    notReady = undefined;
    recordStartup({ function: 'classify', sinceProcessStartMs: performance.now(), modelLoadMs: loadedMs });
    recordModelInfo('classify', [{ model: spec.name, version: spec.version, backend }]);
    log.info('ready', {
      model: { ...spec, classes: labels.length },
      backend,
      executor: classifier.executor,
      loadMs: Math.round(loadedMs),
      warmupMs: Math.round(performance.now() - started - loadedMs),
      initMs: Math.round(performance.now() - started),
    });
  } catch (error) {
    log.error('cannot start', { error: describe(error) });
    // faas-js-runtime only prints a failed init and would exit 0 with nothing listening.
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100);
    throw error;
  }
}

export async function handle(context: InvocationContext, body?: unknown): Promise<Reply> {
  try {
    if (!instance) return jsonResponse(503, { error: { code: 'not_ready', message: notReady ?? 'not ready', retryable: true } });
    if (!context.cloudevent && context.method === 'GET') return describeService(instance);
    instance.metrics.delivered(context.cloudevent, body);
    const envelope = context.cloudevent ? fromCloudEvent(context.cloudevent) : fromHttpBody(body);
    const outcomes = await instance.pipeline.process(envelope);
    for (const o of outcomes) {
      if (o.status === 'ignored') log.info('ignored', { bucket: o.object.bucket, key: o.object.key, reason: o.reason });
      if (o.status === 'duplicate') log.info('duplicate delivery', { bucket: o.object.bucket, key: o.object.key, resultKey: o.result.resultKey });
      if (o.status === 'failed') {
        const level = o.error.retryable ? 'warn' : 'info';
        log[level]('not classified', { bucket: o.object.bucket, key: o.object.key, status: o.error.status, code: o.error.code, reason: o.error.message });
      }
    }
    const reply = respond(outcomes, envelope, instance.eventSource);
    instance.metrics.answered(outcomes, reply);
    return reply;
  } catch (error) {
    instance?.metrics.failed(error);
    return errorResponse(error, log);
  }
}

function describeService(current: Instance): HttpResponse {
  const { labels, ...spec } = current.classifier.spec;
  return jsonResponse(200, {
    function: 'classify',
    model: { ...spec, classes: labels.length },
    backend: current.backend,
    accepts: { cloudEventTypes: CLASSIFY_EVENT_TYPES, http: 'POST {"Records":[…]} as Ceph RGW pushes it' },
    emits: RESULT_EVENT_TYPE,
    usage: EXPECTED_SHAPE,
  });
}

export const { liveness, readiness } = healthChecks({ notReadyReason: () => notReady });

export function shutdown(): void {
  notReady = 'shutting down';
  instance?.classifier.dispose();
  instance = undefined;
}
