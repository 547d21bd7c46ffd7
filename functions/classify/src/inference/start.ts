import type { Logger } from '../vendor/core/index.js';
import type { ImageClassifier } from '../models/classifier.js';
import { wholeCores, type CpuLimit } from './cpu-limit.js';
import { InProcessInference } from './in-process.js';
import { WorkerPool } from './pool.js';
import type { BatchingOptions, InferenceService } from './service.js';

/** How inference uses the CPU the instance may use. */
export interface InferencePlan {
  /** Worker threads; 0: the engine runs in the request's own thread. */
  workers: number;
  /** Intra-op threads of each engine. */
  threads: number;
  cpu: CpuLimit;
}

/**
 * One single-threaded engine per whole core by default: measured here (2 cores, MobileNet, ONNX
 * Runtime), two engines of one thread each gave more images/s than one engine of two threads, whose
 * batches still run one after the other. INFERENCE_WORKERS overrides the count; each worker then
 * gets an equal share of the cores as intra-op threads.
 */
export function planInference(configuredWorkers: number | undefined, cpu: CpuLimit): InferencePlan {
  const cores = wholeCores(cpu);
  const workers = configuredWorkers ?? cores;
  return { workers, threads: workers === 0 ? cores : Math.max(1, Math.floor(cores / workers)), cpu };
}

/**
 * The inference service for a loaded classifier. With workers, each creates its own engine from the
 * classifier's prepared model and the classifier's own engine (used to select and check it) is released.
 */
export async function startInference(classifier: ImageClassifier, plan: InferencePlan, batching: BatchingOptions, log?: Logger): Promise<InferenceService> {
  if (plan.workers === 0) return new InProcessInference(classifier.engine, classifier.spec, batching);
  const model = classifier.model;
  if (!model) throw new Error('the classifier was loaded without keepModel: workers cannot create engines');
  const pool = await WorkerPool.start({
    ...batching,
    workers: plan.workers,
    setup: { engine: classifier.engineName, model, spec: classifier.spec, threads: plan.threads },
    ...(log ? { log } : {}),
  });
  await classifier.dispose();
  return pool;
}
