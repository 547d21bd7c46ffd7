/**
 * An inference worker thread: creates one engine from the prepared model it was started with, warms
 * it up, says `ready`, then runs batches of image bytes (scaled here, off the main thread) until
 * terminated. An engine that fails on one batch answers that batch's error and keeps serving.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEngine, type InferenceEngine } from '../models/engines/engine.js';
import type { RunRequest, WorkerMessage, WorkerSetup } from './protocol.js';
import { scalePixels } from '../models/spec.js';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread (see pool.ts)');
const setup = workerData as WorkerSetup;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function start(): Promise<InferenceEngine> {
  const started = performance.now();
  const engine = await createEngine(setup.engine, setup.model, setup.spec, { threads: setup.threads });
  // The first run compiles kernels and allocates; pay for it before taking traffic.
  await engine.run(new Float32Array(setup.spec.inputSize ** 2 * 3), 1);
  post({ type: 'ready', engine: engine.name, executor: engine.executor, classes: engine.classes, startMs: performance.now() - started });
  return engine;
}

async function run(engine: InferenceEngine, request: RunRequest): Promise<void> {
  try {
    const probabilities = await engine.run(scalePixels(request.pixels, setup.spec.scaling), request.n);
    const whole = probabilities.byteOffset === 0 && probabilities.byteLength === probabilities.buffer.byteLength;
    const out = whole ? probabilities : probabilities.slice();
    post({ type: 'result', id: request.id, probabilities: out }, [out.buffer as ArrayBuffer]);
  } catch (error) {
    post({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
  }
}

start().then(
  (engine) => port.on('message', (request: RunRequest) => void run(engine, request)),
  (error: unknown) => {
    post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    // Nothing to serve: let the thread end (the pool reads `failed`, then the exit).
    port.close();
  },
);
