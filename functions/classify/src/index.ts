/**
 * classify: a Knative function (faas-js-runtime) that classifies every image landing in a bucket.
 * The loader selects the inference engine, loads the model once per instance, starts the inference
 * workers (each warms its engine up) before the server listens; the handler turns each delivered event
 * into stored results. Core's lifecycle does the rest.
 */
import { createS3Client, defineFunction, MODEL_PART, modelLocationDeps, recordModelInfo, recordStartup, type Invocation, type Loaded, type StartupTools } from './vendor/core/index.js';
import { loadClassifyConfig, type ClassifyConfig } from './config.js';
import { correlate } from './events/correlation.js';
import { envelopeOf, EXPECTED_SHAPE } from './events/envelope.js';
import { CLASSIFY_EVENT_TYPES, REPLY_EVENT_TYPES } from './events/types.js';
import { sizeDecodeThreads } from './images/threads.js';
import { cpuLimit, wholeCores } from './inference/cpu-limit.js';
import type { InferenceService } from './inference/service.js';
import { planInference, startInference } from './inference/start.js';
import { ImageClassifier } from './models/classifier.js';
import { ClassifyMetrics, observeBatch } from './metrics/classify-metrics.js';
import { StartupClock } from './models/startup.js';
import { ClassifyPipeline } from './pipeline.js';
import { respond, type Reply } from './respond.js';

interface Instance {
  pipeline: ClassifyPipeline;
  metrics: ClassifyMetrics;
  classifier: ImageClassifier;
  inference: InferenceService;
  backend: string;
  eventSource: string;
}

async function load({ config, log, part }: StartupTools<ClassifyConfig>): Promise<Loaded<Instance>> {
  // Counts process start → here as import time: the `startup` parts the benchmark reads.
  const clock = new StartupClock({ sinceProcessStart: true });
  const plan = planInference(config.INFERENCE_WORKERS, cpuLimit());
  const decoding = sizeDecodeThreads(wholeCores(plan.cpu));
  if (decoding.advice) log.warn('decoding threads', { advice: decoding.advice });
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
      // With workers, this engine only selects and checks; each worker creates its own from the kept model.
      { backend: config.TF_BACKEND, log, clock, keepModel: plan.workers > 0, threads: plan.workers > 0 ? 1 : plan.threads },
    ),
  );
  // Worker threads create and warm up their engines in parallel.
  const inference = await part('workers', () => startInference(classifier, plan, { maxBatch: config.MAX_BATCH, maxQueue: config.MAX_QUEUE, onBatch: observeBatch }, log));
  const backend = classifier.engineName;
  const pipeline = new ClassifyPipeline({ s3: createS3Client(config), classifier, inference, config, backend, log });
  const { totalMs: _total, ...modelParts } = classifier.startup;
  return {
    instance: { pipeline, metrics: new ClassifyMetrics(() => inference.stats()), classifier, inference, backend, eventSource: config.EVENT_SOURCE },
    ready: {
      model: modelSummary(classifier),
      backend,
      executor: classifier.executor,
      fidelity: classifier.selection.fidelity,
      inference: { workers: plan.workers, threads: plan.threads, cpu: plan.cpu, maxBatch: config.MAX_BATCH, maxQueue: config.MAX_QUEUE, decoding },
    },
    // process start → ready, workers included (the benchmark reads it)
    startup: { ...modelParts, totalMs: Math.round(performance.now() * 10) / 10 },
  };
}

/** `log` carries the event id and the object (events/correlation.ts); the pipeline logs each outcome. */
async function classifyDelivery(instance: Instance, { context, log }: Invocation, body: unknown): Promise<Reply> {
  const { metrics } = instance;
  metrics.delivered(context.cloudevent, body);
  try {
    const envelope = envelopeOf(context, body);
    const outcomes = await instance.pipeline.process(envelope, log);
    const reply = respond(outcomes, envelope, instance.eventSource);
    metrics.answered(outcomes, reply);
    return reply;
  } catch (error) {
    // answered by the lifecycle (errorResponse); counted here, where the delivery is known
    metrics.failed(error);
    throw error;
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
  correlate,
  describe: (instance) => ({
    model: modelSummary(instance.classifier),
    backend: instance.backend,
    accepts: { cloudEventTypes: CLASSIFY_EVENT_TYPES, http: 'POST {"Records":[…]} as Ceph RGW pushes it' },
    emits: REPLY_EVENT_TYPES,
    usage: EXPECTED_SHAPE,
  }),
  shutdown: (instance) => instance.inference.close(),
  onReady: (startup, instance) => {
    recordStartup(startup);
    const { spec } = instance.classifier;
    recordModelInfo(startup.function, [{ model: spec.name, version: spec.version, backend: instance.backend }]);
  },
});
