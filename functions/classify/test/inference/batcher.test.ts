// The batcher alone (pure logic): lanes are promises the test settles by hand.
import { describe, expect, it } from 'vitest';
import { Batcher, type BatcherOptions } from '../../src/inference/batcher.ts';
import { FunctionError } from '../../src/vendor/core/index.ts';

interface Call {
  inputs: string[];
  resolve(outputs: string[]): void;
  reject(error: unknown): void;
}

/** A batcher whose every batch waits until the test settles it. */
function manual(options: Partial<BatcherOptions<string, string>> = {}, lanes = 1) {
  const calls: Call[] = [];
  const sizes: number[] = [];
  const batcher = new Batcher<string, string>(
    {
      maxBatch: 3,
      maxQueue: 8,
      run: (inputs) => new Promise<string[]>((resolve, reject) => calls.push({ inputs, resolve, reject })),
      onBatch: (size) => sizes.push(size),
      ...options,
    },
    lanes,
  );
  /** Answers a call the way an engine would: each input uppercased. */
  const finish = async (call: Call | undefined): Promise<void> => {
    call?.resolve(call.inputs.map((i) => i.toUpperCase()));
    await flush();
  };
  return { batcher, calls, sizes, finish };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('Batcher', () => {
  it('dispatches a request that finds a lane free at once, alone, without waiting for a timer', () => {
    const { batcher, calls } = manual();
    void batcher.submit('a');
    // synchronously: no timer, no microtask in between
    expect(calls.map((c) => c.inputs)).toEqual([['a']]);
    expect(batcher.stats()).toMatchObject({ queued: 0, inFlight: 1, lanes: 1 });
  });

  it('batches what queued while the lanes were busy, up to maxBatch, in arrival order; each request gets its own output', async () => {
    const { batcher, calls, sizes, finish } = manual({ maxBatch: 3 });
    const results = ['a', 'b', 'c', 'd', 'e'].map((x) => batcher.submit(x));
    expect(calls).toHaveLength(1);
    expect(batcher.stats()).toMatchObject({ queued: 4, inFlight: 1 });
    await finish(calls[0]);
    expect(calls[1]?.inputs).toEqual(['b', 'c', 'd']);
    expect(batcher.stats()).toMatchObject({ queued: 1, inFlight: 3 });
    await finish(calls[1]);
    expect(calls[2]?.inputs).toEqual(['e']);
    await finish(calls[2]);
    expect(await Promise.all(results)).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(sizes).toEqual([1, 3, 1]);
    expect(batcher.stats()).toEqual({ queued: 0, inFlight: 0, lanes: 1, batches: 3, items: 5 });
  });

  it('keeps every lane busy: two lanes take two batches at once', async () => {
    const { batcher, calls, finish } = manual({ maxBatch: 2 }, 2);
    const results = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => batcher.submit(x));
    expect(calls.map((c) => c.inputs)).toEqual([['a'], ['b']]);
    await finish(calls[1]);
    expect(calls[2]?.inputs).toEqual(['c', 'd']);
    await finish(calls[0]);
    expect(calls[3]?.inputs).toEqual(['e', 'f']);
    await finish(calls[2]);
    await finish(calls[3]);
    expect(await Promise.all(results)).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
  });

  it('answers a full queue with a retryable 503 overloaded carrying Retry-After, and accepts again once it drains', async () => {
    const { batcher, calls, finish } = manual({ maxQueue: 2 });
    const accepted = ['a', 'b', 'c'].map((x) => batcher.submit(x));
    const refused = await batcher.submit('d').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FunctionError);
    const error = refused as FunctionError;
    expect(error.status).toBe(503);
    expect(error.code).toBe('overloaded');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('MAX_QUEUE=2');
    expect(error.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(batcher.stats()).toMatchObject({ queued: 2, inFlight: 1 });
    await finish(calls[0]);
    const later = batcher.submit('e');
    await finish(calls[1]);
    await finish(calls[2]);
    expect(await Promise.all([...accepted, later])).toEqual(['A', 'B', 'C', 'E']);
  });

  it('with maxQueue 0 takes only what a free lane runs at once', async () => {
    const { batcher, calls, finish } = manual({ maxQueue: 0 });
    const first = batcher.submit('a');
    await expect(batcher.submit('b')).rejects.toMatchObject({ status: 503, code: 'overloaded' });
    await finish(calls[0]);
    expect(await first).toBe('A');
  });

  it('Retry-After estimates when the queue will have drained, from how long batches have taken', async () => {
    let clock = 0;
    const { batcher, calls } = manual({ maxQueue: 4, maxBatch: 4, now: () => clock });
    void batcher.submit('a');
    clock += 3000; // one request took 3 s
    calls[0]?.resolve(['A']);
    await flush();
    const pending = ['b', 'c', 'd', 'e', 'f'].map((x) => batcher.submit(x).catch(() => undefined));
    const refused = (await batcher.submit('g').catch((e: unknown) => e)) as FunctionError;
    // 'b' runs, 4 wait: 5 requests × 3 s on one lane
    expect(refused.headers['retry-after']).toBe('15');
    batcher.close(new Error('end of test'));
    calls[1]?.resolve(['B']);
    await Promise.all(pending);
  });

  it('fails only the requests of a batch that failed; the others get their outputs', async () => {
    const { batcher, calls, finish } = manual({ maxBatch: 2 });
    const a = batcher.submit('a').catch((e: unknown) => e);
    const [b, c, d] = ['b', 'c', 'd'].map((x) => batcher.submit(x));
    calls[0]?.reject(new FunctionError(503, 'inference_worker_failed', 'the worker exited'));
    await flush();
    await finish(calls[1]);
    await finish(calls[2]);
    expect(await a).toMatchObject({ code: 'inference_worker_failed' });
    expect(await Promise.all([b, c, d])).toEqual(['B', 'C', 'D']);
  });

  it('a lane that answers with the wrong number of outputs fails its batch rather than misattributing results', async () => {
    const { batcher, calls } = manual();
    const a = batcher.submit('a');
    calls[0]?.resolve(['A', 'extra']);
    await expect(a).rejects.toThrow(/a batch of 1 produced 2 outputs/);
  });

  it('holds requests while no lane is available and dispatches them when one comes back', async () => {
    const { batcher, calls, finish } = manual({}, 0);
    const a = batcher.submit('a');
    expect(calls).toHaveLength(0);
    expect(batcher.stats()).toMatchObject({ queued: 1, lanes: 0 });
    batcher.setLanes(1);
    expect(calls.map((c) => c.inputs)).toEqual([['a']]);
    await finish(calls[0]);
    expect(await a).toBe('A');
  });

  it('failQueued fails the waiting requests only; close also refuses later ones while running batches finish', async () => {
    const { batcher, calls, finish } = manual();
    const a = batcher.submit('a');
    const b = batcher.submit('b');
    const gone = new FunctionError(503, 'no_inference_worker', 'no worker could start');
    batcher.failQueued(gone);
    await expect(b).rejects.toBe(gone);
    const shutdown = new FunctionError(503, 'shutting_down', 'the instance is shutting down');
    batcher.close(shutdown);
    await expect(batcher.submit('c')).rejects.toBe(shutdown);
    await finish(calls[0]);
    expect(await a).toBe('A');
  });
});
