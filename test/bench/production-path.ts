// Production-path benchmark: upload → RGW persistent topic → CephSource adapter → Broker → classify →
// result stored and replied into the Broker, on a real RGW, through the eventing stand-ins
// (packages/local/src/eventing). "Cold" is the first upload after idle: the activator has scaled classify
// to zero and starts it on that event (as Knative's activator does); "warm" is the next uploads. Prints
// numbers; asserts nothing.
import { readFile, readdir } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { releasesForTests, rgwForTests } from '../rgw/launcher.ts';
import { sharedPath } from '../support/paths.ts';
import { startProductionPath, type ProductionPath } from '../support/production-path.ts';
import { waitFor } from '../support/recorder.ts';
import { stats, type Stats } from './stats.ts';

const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 3);
const WARM_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const line = (label: string, s: Stats, unit = 'ms'): void =>
  console.log(`  ${label.padEnd(52)} median ${s.median.toFixed(1)} ${unit}  p95 ${s.p95.toFixed(1)}  min ${s.min.toFixed(1)}  (n=${s.n})`);

interface Timing {
  /** PutObject sent → the result event is back in the Broker (the result is stored before it is sent). */
  total: number;
  /** PutObject sent → RGW's push reached the adapter. */
  push: number;
}

async function uploadAndWait(path: ProductionPath, key: string, body: Buffer): Promise<Timing> {
  const adapter = path.eventing.adapter!;
  const t0 = performance.now();
  let pushedAt = 0;
  const onPush = (r: { kind: string; body?: string }): void => {
    if (r.kind === 'request' && r.body?.includes(JSON.stringify(key))) pushedAt = performance.now();
  };
  adapter.on('record', onPush);
  try {
    await path.s3.send(new PutObjectCommand({ Bucket: path.bucket, Key: key, Body: body, ContentType: 'image/jpeg' }));
    await waitFor(() => path.countsFor(key).replies === 1 || undefined, 120_000, `the result event for ${key}`);
    return { total: performance.now() - t0, push: pushedAt - t0 };
  } finally {
    adapter.off('record', onPush);
  }
}

export async function benchProductionPath(): Promise<void> {
  console.log('production path: RGW persistent topic → CephSource adapter → Broker → classify (activator) → result event');
  const photos = (await readdir(sharedPath('images'))).filter((f) => f.endsWith('.jpg')).sort();
  const bytes = await Promise.all(photos.map((p) => readFile(sharedPath('images', p))));
  const rgw = await rgwForTests(releasesForTests()[0]!);
  // a long idle period: the bench scales classify to zero itself before each cold round
  const path = await startProductionPath(rgw, { idleMs: 600_000 });
  const classify = path.eventing.activators.classify!;
  try {
    // RGW picks up a new persistent topic's queue at its next scan (up to ~30 s): not part of a cold start
    await uploadAndWait(path, `warmup/${photos[0]}`, bytes[0]!);
    const cold: Timing[] = [];
    const held: number[] = [];
    for (let r = 0; r < COLD_ROUNDS; r++) {
      await classify.scaleToZero();
      const i = r % photos.length;
      cold.push(await uploadAndWait(path, `cold/${r}/${photos[i]}`, bytes[i]!));
      const last = classify.records.filter((x) => x.kind === 'request').at(-1);
      if (last?.kind === 'request') held.push(last.heldMs);
    }
    const warm: Timing[] = [];
    for (let r = 0; r < WARM_ROUNDS; r++) {
      for (const [i, b] of bytes.entries()) warm.push(await uploadAndWait(path, `warm/${r}/${photos[i]}`, b));
    }
    line('first upload after idle → result (cold, activator)', stats(cold.map((t) => t.total)));
    line('  of which: held by the activator (start → ready)', stats(held));
    line('upload → result (warm)', stats(warm.map((t) => t.total)));
    line('upload → RGW push at the adapter (persistent topic)', stats([...cold, ...warm].map((t) => t.push)));
    console.log(`  classify starts ${classify.count('starting')}, invocations ${classify.invocations}, dead letters ${path.eventing.displays['dead-letters']!.events.length}`);
  } finally {
    await path.close();
    await rgw.stop();
  }
}
