// A closed-loop load: `clients` concurrent senders, each sending its next request when the previous one
// has been answered, until `requests` have been sent. Latency is per request; throughput is answered
// requests over the wall time of the whole run. A time budget ends it early on a slow (or busy) machine:
// no request starts after it, the ones under way finish.
export interface LoadRun {
  clients: number;
  latencies: number[];
  wallMs: number;
  /** answers by HTTP status */
  statuses: Map<number, number>;
}

export async function closedLoop(clients: number, requests: number, send: (i: number) => Promise<number>, budgetMs = Infinity): Promise<LoadRun> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < requests && performance.now() - t0 < budgetMs; i = next++) {
        const t = performance.now();
        const status = await send(i);
        latencies.push(performance.now() - t);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  return { clients, latencies, wallMs: performance.now() - t0, statuses };
}

export const perSecond = (run: LoadRun): number => (run.latencies.length * 1000) / run.wallMs;
