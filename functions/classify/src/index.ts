/**
 * classify: a Knative function (faas-js-runtime) that classifies every image landing in a bucket.
 * The loader selects the backend, loads the model once per instance and warms it up before the server
 * listens; the handler turns each delivered event into stored results. Core's lifecycle does the rest.
 */
import { createS3Client, defineFunction, MODEL_PART, modelLocationDeps, recordModelInfo, recordStartup, type Invocation, type Loaded, type Logger, type StartupTools } from './vendor/core/index.js';
import { loadClassifyConfig, type ClassifyConfig } from './config.js';
import { fromCloudEvent, fromHttpBody, EXPECTED_SHAPE } from './events/envelope.js';
import { CLASSIFY_EVENT_TYPES, RESULT_EVENT_TYPE } from './events/types.js';
import { selectBackend } from './models/backend.js';
import { ImageClassifier } from './models/classifier.js';
import { ClassifyMetrics } from './metrics/classify-metrics.js';
import { ClassifyPipeline, type Outcome } from './pipeline.js';
import { respond, type Reply } from './respond.js';

interface Instance {
  pipeline: ClassifyPipeline;
  metrics: ClassifyMetrics;
  classifier: ImageClassifier;
  backend: string;
  eventSource: string;
}

async function load({ config, log, part }: StartupTools<ClassifyConfig>): Promise<Loaded<Instance>> {
  const backend = await part('backend', () => selectBackend(config.TF_BACKEND));
  log.info('tensorflow backend selected', { backend });
  const classifier = await part(MODEL_PART, () =>
    ImageClassifier.load(
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
    ),
  );
  // The first inference compiles kernels and allocates; pay for it before taking traffic.
  await part('warmup', () => classifier.classify(new Uint8Array(classifier.spec.inputSize ** 2 * 3), 1));
  const pipeline = new ClassifyPipeline({ s3: createS3Client(config), classifier, config, backend, log });
  return {
    // until the inference pool reports its queue: the pipeline's own count of images in progress
    instance: { pipeline, metrics: new ClassifyMetrics(() => ({ queued: 0, inFlight: pipeline.inProgress })), classifier, backend, eventSource: config.EVENT_SOURCE },
    ready: { model: modelSummary(classifier), backend, executor: classifier.executor },
  };
}

async function classifyDelivery(instance: Instance, { context, log }: Invocation, body: unknown): Promise<Reply> {
  const { metrics } = instance;
  metrics.delivered(context.cloudevent, body);
  try {
    const envelope = context.cloudevent ? fromCloudEvent(context.cloudevent) : fromHttpBody(body);
    const outcomes = await instance.pipeline.process(envelope);
    logOutcomes(outcomes, log);
    const reply = respond(outcomes, envelope, instance.eventSource);
    metrics.answered(outcomes, reply);
    return reply;
  } catch (error) {
    // answered by the lifecycle (errorResponse); counted here, where the delivery is known
    metrics.failed(error);
    throw error;
  }
}

function logOutcomes(outcomes: readonly Outcome[], log: Logger): void {
  for (const o of outcomes) {
    if (o.status === 'ignored') log.info('ignored', { bucket: o.object.bucket, key: o.object.key, reason: o.reason });
    if (o.status === 'duplicate') log.info('duplicate delivery', { bucket: o.object.bucket, key: o.object.key, resultKey: o.result.resultKey });
    if (o.status === 'failed') {
      const level = o.error.retryable ? 'warn' : 'info';
      log[level]('not classified', { bucket: o.object.bucket, key: o.object.key, status: o.error.status, code: o.error.code, reason: o.error.message });
    }
  }
}

function modelSummary(classifier: ImageClassifier): Record<string, unknown> {
  const { labels, ...spec } = classifier.spec;
  return { ...spec, classes: labels.length };
}

export const { init, handle, liveness, readiness, shutdown } = defineFunction({
  name: 'classify',
  starting: 'starting: loading the model',
  config: () => loadClassifyConfig(),
  load,
  handle: classifyDelivery,
  describe: (instance) => ({
    model: modelSummary(instance.classifier),
    backend: instance.backend,
    accepts: { cloudEventTypes: CLASSIFY_EVENT_TYPES, http: 'POST {"Records":[…]} as Ceph RGW pushes it' },
    emits: RESULT_EVENT_TYPE,
    usage: EXPECTED_SHAPE,
  }),
  shutdown: (instance) => instance.classifier.dispose(),
  onReady: (startup, instance) => {
    recordStartup(startup);
    const { spec } = instance.classifier;
    recordModelInfo(startup.function, [{ model: spec.name, version: spec.version, backend: instance.backend }]);
  },
});
