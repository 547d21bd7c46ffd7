// The worker pool with the real engine (ONNX Runtime on the shared MobileNet) on real worker threads:
// same answers as the engine run directly, batching under concurrency, a crashed worker, and health
// checks answered while the workers compute.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedTop1, firstName } from '../../../../test/support/images.ts';
import { sharedPath } from '../../../../test/support/paths.ts';
import { decodeImage } from '../../src/images/decode.ts';
import { InProcessInference } from '../../src/inference/in-process.ts';
import { spawnWorker, WorkerPool, type PoolOptions } from '../../src/inference/pool.ts';
import type { InferenceService } from '../../src/inference/service.ts';
import { ImageClassifier, topClasses } from '../../src/models/classifier.ts';
import { FunctionError, healthChecks, type ProbeReply } from '../../src/vendor/core/index.ts';

const PHOTOS = [...expectedTop1().keys()];
let classifier: ImageClassifier;
const pixels = new Map<string, Uint8Array>();
/** The engine run directly, in this thread, one image at a time. */
const direct = new Map<string, Float32Array>();

beforeAll(async () => {
  classifier = await ImageClassifier.load({ modelUrl: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}`, overrides: {} }, {}, { backend: 'onnx', keepModel: true });
  const { spec } = classifier;
  for (const name of PHOTOS) {
    const image = await decodeImage(await readFile(sharedPath('images', name)), { size: spec.inputSize, resize: spec.resize, cropFraction: spec.cropFraction, maxPixels: 40_000_000 });
    pixels.set(name, image.pixels);
    direct.set(name, await classifier.probabilities(image.pixels));
  }
}, 300_000);
afterAll(async () => classifier?.dispose());

/** A copy: the pool moves the bytes it is given to a worker. */
const photo = (name: string): Uint8Array => new Uint8Array(pixels.get(name)!);
const top1 = (probabilities: Float32Array): string => firstName(topClasses(probabilities, 1, classifier.spec.labels)[0]!.label);

function startPool(options: Partial<PoolOptions> = {}): Promise<WorkerPool> {
  return WorkerPool.start({
    workers: 2,
    maxBatch: 8,
    maxQueue: 64,
    setup: { engine: classifier.engineName, model: classifier.model!, spec: classifier.spec, threads: 1 },
    ...options,
  });
}

describe('WorkerPool (ONNX Runtime, real worker threads)', () => {
  it('gives exactly what the engine gives when run directly, image by image', async () => {
    const pool = await startPool();
    try {
      expect(pool.stats()).toMatchObject({ workers: 2, queued: 0, inFlight: 0, capacity: 2 * 8 + 64 });
      for (const name of PHOTOS) expect(await pool.classify(photo(name)), name).toEqual(direct.get(name));
      expect(PHOTOS.map((name) => top1(direct.get(name)!))).toEqual(PHOTOS.map((name) => expectedTop1().get(name)));
    } finally {
      await pool.close();
    }
  }, 300_000);

  it('16 concurrent requests: batched as they queue (2 alone, then 8 and 6), each answered with its own image', async () => {
    const sizes: number[] = [];
    const pool = await startPool({ onBatch: (size) => sizes.push(size) });
    try {
      const names = Array.from({ length: 16 }, (_, i) => PHOTOS[i % PHOTOS.length]!);
      const results = await Promise.all(names.map((name) => pool.classify(photo(name))));
      expect(sizes.sort((a, b) => a - b)).toEqual([1, 1, 6, 8]);
      expect(pool.stats()).toMatchObject({ batches: 4, batchedImages: 16, queued: 0, inFlight: 0 });
      results.forEach((probabilities, i) => {
        const expected = direct.get(names[i]!)!;
        // a batch runs other kernels' blockings than one image: the same answer to float rounding
        expect(top1(probabilities)).toBe(top1(expected));
        expect(maxDifference(probabilities, expected)).toBeLessThan(1e-5);
      });
    } finally {
      await pool.close();
    }
  }, 300_000);

  // Killed with terminate() while computing. TF.js wasm workers here: ONNX Runtime finishes a run on a
  // native thread and calls back into its worker, so killing an ONNX worker mid-run aborts the process
  // (which is why close() lets running batches finish first).
  it('a worker that dies fails its batch with a retryable 503, is replaced, and requests waiting meanwhile are served', async () => {
    const wasm = await ImageClassifier.load({ modelUrl: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}`, overrides: {} }, {}, { backend: 'wasm', keepModel: true });
    await wasm.dispose();
    const threads: Worker[] = [];
    const pool = await startPool({
      setup: { engine: wasm.engineName, model: wasm.model!, spec: wasm.spec, threads: 1 },
      spawn: (setup) => {
        const thread = spawnWorker(setup);
        threads.push(thread);
        return thread;
      },
    });
    try {
      const running = [pool.classify(photo('dog.jpg')), pool.classify(photo('kite.jpg'))].map((p) => p.then(() => 'answered', (e: unknown) => e));
      const waiting = [pool.classify(photo('giraffe.jpg')), pool.classify(photo('eagle.jpg'))];
      expect(pool.stats()).toMatchObject({ inFlight: 2, queued: 2 });
      // both workers die while computing
      await Promise.all(threads.slice(0, 2).map((t) => t.terminate()));
      for (const outcome of await Promise.all(running)) {
        expect(outcome).toBeInstanceOf(FunctionError);
        expect(outcome).toMatchObject({ status: 503, code: 'inference_interrupted', retryable: true });
      }
      // the replacements take the requests that were waiting
      const served = await Promise.all(waiting);
      expect(served.map(top1)).toEqual([expectedTop1().get('giraffe.jpg'), expectedTop1().get('eagle.jpg')]);
      expect(threads).toHaveLength(4);
      await expect.poll(() => pool.stats().workers, { timeout: 120_000 }).toBe(2);
      expect(pool.stats()).toMatchObject({ inFlight: 0, queued: 0 });
      expect(top1(await pool.classify(photo('dog.jpg')))).toBe(expectedTop1().get('dog.jpg'));
    } finally {
      await pool.close();
    }
  }, 300_000);

  it('answers a full queue with 503 overloaded and Retry-After; close() finishes the running batch, fails what waits (retryable), ends the workers', async () => {
    const threads: Worker[] = [];
    const pool = await startPool({
      workers: 1,
      maxBatch: 1,
      maxQueue: 1,
      spawn: (setup) => {
        const thread = spawnWorker(setup);
        threads.push(thread);
        return thread;
      },
    });
    const first = pool.classify(photo('dog.jpg'));
    const second = pool.classify(photo('kite.jpg')).catch((e: unknown) => e);
    const refused = await pool.classify(photo('eagle.jpg')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 503, code: 'overloaded', retryable: true });
    expect((refused as FunctionError).headers['retry-after']).toMatch(/^\d+$/);
    expect(await first).toEqual(direct.get('dog.jpg'));
    const exited = new Promise((resolve) => threads[0]!.once('exit', resolve));
    const waiting = pool.classify(photo('horses.jpg')).catch((e: unknown) => e);
    await pool.close();
    await exited;
    // 'kite' was running when close() came
    expect(await second).toEqual(direct.get('kite.jpg'));
    expect(await waiting).toMatchObject({ status: 503, code: 'shutting_down', retryable: true });
    await expect(pool.classify(photo('dog.jpg'))).rejects.toMatchObject({ code: 'shutting_down' });
  }, 300_000);

  it('an engine that cannot start fails the pool start with its reason (init fails, nothing hangs)', async () => {
    const broken = { format: 'onnx' as const, bytes: new Uint8Array([1, 2, 3]) };
    await expect(startPool({ setup: { engine: 'onnx', model: broken, spec: classifier.spec, threads: 1 } })).rejects.toThrow(/inference worker/);
  }, 300_000);
});

describe('health checks under full inference load', () => {
  let server: Server;
  let url: string;
  let service: InferenceService | undefined;
  const { readiness } = healthChecks({ notReadyReason: () => undefined });

  beforeAll(async () => {
    // readiness as faas-js-runtime serves it: a handler on this process's event loop
    server = createServer((req, res) => {
      const reply: ProbeReply = {
        code: (status) => ((res.statusCode = status), reply),
        header: (name, value) => (res.setHeader(name, value), reply),
        send: (body) => res.end(body),
      };
      readiness(req, reply);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health/readiness`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Saturates the service with `n` requests, asks for readiness once inference is under way, and says what was still pending when it answered. */
  async function probeUnderLoad(n: number): Promise<{ status: number; pendingWhenAnswered: number; statsWhenAnswered: ReturnType<InferenceService['stats']> }> {
    const svc = service!;
    let settled = 0;
    const work = Array.from({ length: n }, (_, i) => svc.classify(photo(PHOTOS[i % PHOTOS.length]!)).finally(() => settled++));
    const res = await fetch(url);
    const answer = { status: res.status, pendingWhenAnswered: n - settled, statsWhenAnswered: svc.stats() };
    await Promise.all(work);
    return answer;
  }

  it('with workers, readiness is answered while the pool is still computing', async () => {
    service = await startPool({ workers: 2, maxBatch: 8, maxQueue: 64 });
    try {
      const { status, pendingWhenAnswered, statsWhenAnswered } = await probeUnderLoad(48);
      expect(status).toBe(200);
      // answered ahead of the inference queue, not behind it
      expect(pendingWhenAnswered).toBeGreaterThan(0);
      expect(statsWhenAnswered.inFlight + statsWhenAnswered.queued).toBeGreaterThan(0);
    } finally {
      await service.close();
    }
  }, 300_000);

  it('the old design (TF.js wasm in the request thread, INFERENCE_WORKERS=0): the same probe waits behind every inference', async () => {
    const wasm = await ImageClassifier.load({ modelUrl: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}`, overrides: {} }, {}, { backend: 'wasm' });
    service = new InProcessInference(wasm.engine, wasm.spec, { maxBatch: 8, maxQueue: 64 });
    try {
      const { status, pendingWhenAnswered } = await probeUnderLoad(16);
      expect(status).toBe(200);
      expect(pendingWhenAnswered).toBe(0);
    } finally {
      await service.close();
    }
  }, 300_000);
});

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
