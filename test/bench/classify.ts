// classify benchmark: cold start (process start to ready), warm latency per image in process and
// over HTTP against a real RGW, and memory. Prints numbers; asserts nothing.
import { readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { releasesForTests, rgwForTests } from '../rgw/launcher.ts';
import { startFunction } from '../support/function-process.ts';
import { sharedPath } from '../support/paths.ts';
import { awsEnvFor, s3For } from '../support/rgw-clients.ts';
import { ImageClassifier } from '../../functions/classify/src/models/classifier.ts';
import { decodeImage } from '../../functions/classify/src/images/decode.ts';
import { stats, type Stats } from './stats.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

const line = (label: string, s: Stats, unit = 'ms'): void =>
  console.log(`  ${label.padEnd(44)} median ${s.median.toFixed(1)} ${unit}  p95 ${s.p95.toFixed(1)}  min ${s.min.toFixed(1)}  (n=${s.n})`);

export async function benchClassify(): Promise<void> {
  const photos = (await readdir(sharedPath('images'))).filter((f) => f.endsWith('.jpg')).sort();
  const bytes = await Promise.all(photos.map((p) => readFile(sharedPath('images', p))));

  console.log('classify: in-process (decode = sharp, inference = TF.js)');
  for (const [name, overrides] of [
    ['mobilenet_v1_0.75_224', {}],
    ['darknet_tiny', { scaling: '0..1', output: 'logits' }],
  ] as const) {
    for (const fuse of [true, false]) {
      const t0 = performance.now();
      const c = await ImageClassifier.load({ modelUrl: `file://${sharedPath('models', name, 'model.json')}`, overrides }, {}, { backend: 'wasm', fuse });
      const backend = c.engineName;
      const loadMs = performance.now() - t0;
      const decode: number[] = [];
      const infer: number[] = [];
      const pixels = [];
      for (const b of bytes) {
        const t = performance.now();
        pixels.push((await decodeImage(b, { size: c.spec.inputSize, resize: c.spec.resize, cropFraction: c.spec.cropFraction, maxPixels: 4e7 })).pixels);
        decode.push(performance.now() - t);
      }
      await c.classify(pixels[0]!, 5); // warm-up
      for (let r = 0; r < ROUNDS; r++) {
        for (const p of pixels) {
          const t = performance.now();
          await c.classify(p, 5);
          infer.push(performance.now() - t);
        }
      }
      console.log(` ${name} on ${backend}, executor ${c.executor}: load ${loadMs.toFixed(0)} ms`);
      if (fuse) line('decode + resize (1.1-1.6 MP JPEG)', stats(decode));
      line('inference', stats(infer));
      await c.dispose();
    }
  }

  console.log('classify: served by faas-js-runtime, object in a real Ceph RGW');
  const rgw = await rgwForTests(releasesForTests()[0]!);
  const s3 = s3For(rgw);
  try {
    const bucket = `bench-${Date.now().toString(36)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const fn = await startFunction('classify', { ...awsEnvFor(rgw), MODEL_URL: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}` });
      starts.push(fn.readyMs);
      await fn.stop();
    }
    line('cold start: process start to ready', stats(starts));

    const fn = await startFunction('classify', { ...awsEnvFor(rgw), MODEL_URL: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}` });
    const afterStart = rssMb(fn.child.pid!);
    const latencies: number[] = [];
    let n = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, b] of bytes.entries()) {
        const key = `r${r}/${photos[i]}`;
        const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: b }));
        const record = { eventName: 'ObjectCreated:Put', eventSource: 'ceph:s3', s3: { bucket: { name: bucket }, object: { key, size: b.length, eTag: put.ETag?.replace(/"/g, '') } } };
        const t = performance.now();
        const res = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [record] }) });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        if (res.status !== 200) throw new Error(`classify answered ${res.status}`);
        n++;
      }
    }
    line('warm request: fetch + decode + infer + store', stats(latencies));
    const afterLoad = rssMb(fn.child.pid!);
    console.log(`  memory: RSS ${afterStart.rss} MB after start, ${afterLoad.rss} MB after ${n} requests (peak ${afterLoad.peak} MB)`);
    await fn.stop();
  } finally {
    s3.destroy();
    await rgw.stop();
  }
}
