/**
 * At most `rate` starts per second and `concurrency` tasks at once, over a stream of any length: tasks
 * are pulled one at a time, so memory holds `concurrency` of them, never the stream.
 */
export async function forEachPaced<T>(items: Iterable<T>, options: { concurrency: number; rate?: number | undefined }, task: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const interval = options.rate ? 1000 / options.rate : 0;
  let nextStart = 0;
  const slot = async (): Promise<void> => {
    if (!interval) return;
    const now = performance.now();
    const at = Math.max(now, nextStart);
    nextStart = at + interval;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  };
  const worker = async (): Promise<void> => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      await slot();
      await task(next.value);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
}
