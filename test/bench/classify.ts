// classify benchmark: one instance of the BUILT function (started as `npm start` starts it) against a real
// Ceph RGW 16, fed plain RGW POSTs ({"Records":[…]}, RGW 16's shape) for photos uploaded beforehand; the
// old and the new design side by side in one run: cold start by part, memory, throughput and latency at
// 1/2/4/8 concurrent clients, CPU per image (the function's and the Ceph cluster's, which shares the
// machine). Prints numbers next to issue 10's targets; asserts nothing.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { rgwBody, rgwRecord } from '../../packages/local/src/s3-server/notifications/records.ts';
import { releasesForTests, rgwForTests, type Rgw } from '../rgw/launcher.ts';
import { startFunction, type RunningFunction } from '../support/function-process.ts';
import { repoRoot, sharedPath } from '../support/paths.ts';
import { awsEnvFor, s3For } from '../support/rgw-clients.ts';
import { closedLoop, perSecond, type LoadRun } from './load.ts';
import { cpuMs, cpuMsOf, memory, resetPeak } from './proc.ts';
import { stats } from './stats.ts';
import { num, printTable } from './table.ts';
import { TARGETS, describeTarget, mark, type Target } from './targets.ts';

/** A design is data: the environment it runs with, and which model file it is given. */
export interface Design {
  name: string;
  about: string;
  env: Record<string, string>;
  /** the TF.js model.json, or the same model exported to .onnx ahead of time (classify's export-onnx) */
  model: 'tfjs' | 'onnx';
}

export const DESIGNS: Design[] = [
  { name: 'old', about: 'TF.js wasm on the request thread', env: { TF_BACKEND: 'wasm', INFERENCE_WORKERS: '0' }, model: 'tfjs' },
  { name: 'new', about: 'defaults: TF_BACKEND=auto, workers from the CPU limit', env: {}, model: 'tfjs' },
  { name: 'new+.onnx', about: 'defaults, model exported to .onnx ahead of time', env: {}, model: 'onnx' },
];

const CLIENTS = [1, 2, 4, 8];
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 3);
/** requests per level: at least this many, and this many per client */
const MIN_REQUESTS = Number(process.env.BENCH_MIN_REQUESTS ?? 24);
const PER_CLIENT = Number(process.env.BENCH_REQUESTS_PER_CLIENT ?? 16);
const requestsFor = (clients: number): number => Math.max(MIN_REQUESTS, clients * PER_CLIENT);
/** a level stops starting requests after this long (a loaded machine would otherwise take minutes) */
const LEVEL_BUDGET_MS = Number(process.env.BENCH_LEVEL_SECONDS ?? 8) * 1000;
/** The parts classify's `ready` log line reports under `startup` (engines' cold-start breakdown). */
const STARTUP_PARTS = ['importMs', 'fetchMs', 'prepareMs', 'sessionMs', 'fidelityMs', 'warmupMs', 'totalMs'] as const;
const MODEL_JSON = sharedPath('models/mobilenet_v1_0.75_224/model.json');
const RESULTS_PREFIX = 'results/';
const run = promisify(execFile);

interface Measured {
  design: Design;
  /** why it has no figures */
  failed?: string;
  engine?: string;
  readyMs: number[];
  parts: Record<string, number[]>;
  rssAfterStartMb?: number;
  rssPeakMb?: number;
  /** VmHWM was reset after start: the peak is the load's */
  peakIsLoadOnly?: boolean;
  levels: LoadRun[];
  cpuMsPerImage?: number;
  cephCpuMsPerImage?: number;
  /** non-200 answers and results that were not stored, if any */
  problems: string[];
}

/** Objects in the bucket: as many keys as the largest level sends, each one of the photos. */
interface Pool {
  s3: S3Client;
  bucket: string;
  records: string[];
}

async function uploadPool(s3: S3Client, size: number): Promise<Pool> {
  const photos = (await readdir(sharedPath('images'))).filter((f) => f.endsWith('.jpg')).sort();
  const bytes = await Promise.all(photos.map((p) => readFile(sharedPath('images', p))));
  const bucket = `bench-classify-${Date.now().toString(36)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const records: string[] = [];
  for (let i = 0; i < size; i++) {
    const body = bytes[i % bytes.length]!;
    const key = `photos/${String(i).padStart(4, '0')}-${photos[i % photos.length]}`;
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'image/jpeg' }));
    const etag = put.ETag?.replace(/"/g, '') ?? '';
    const time = new Date();
    const record = rgwRecord(
      { eventName: 'ObjectCreated:Put', bucket: { name: bucket, id: 'bench' }, owner: 'bench', object: { key, size: body.length, etag, tags: [] }, amzHeaders: [], time, micros: 0, requestId: `bench-${i}`, hostId: 'bench', sequencer: String(i) },
      'bench',
      '',
    );
    records.push(rgwBody(record));
  }
  return { s3, bucket, records };
}

/** Deletes the stored results (so the next level classifies again rather than finding duplicates); returns how many there were. */
async function clearResults(pool: Pool): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await pool.s3.send(new ListObjectsV2Command({ Bucket: pool.bucket, Prefix: RESULTS_PREFIX }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) return deleted;
    await pool.s3.send(new DeleteObjectsCommand({ Bucket: pool.bucket, Delete: { Objects: keys, Quiet: true } }));
    deleted += keys.length;
  }
}

/** The Ceph daemons of a cluster started here (their pid files), for their CPU time. */
function cephPids(rgw: Rgw): number[] {
  if (!rgw.dir) return [];
  const runDir = path.join(rgw.dir, 'run');
  return ['client.rgw.a', 'osd.0', 'mon.a'].flatMap((d) => {
    const file = path.join(runDir, `${d}.pid`);
    return existsSync(file) ? [Number(readFileSync(file, 'utf8').trim())] : [];
  });
}

function readyLine(fn: RunningFunction): Record<string, unknown> | undefined {
  return fn.logs().find((l) => l.msg === 'ready');
}

/** The model file a design is given: the TF.js model, or an .onnx written by classify's built export-onnx command. */
async function modelUrl(design: Design, scratch: string): Promise<string> {
  if (design.model === 'tfjs') return `file://${MODEL_JSON}`;
  const out = path.join(scratch, 'mobilenet_v1_0.75_224.onnx');
  if (!existsSync(out)) {
    const cli = path.join(repoRoot, 'functions/classify/build/cli/export-onnx.js');
    if (!existsSync(cli)) throw new Error('this build has no export-onnx command (functions/classify/build/cli/export-onnx.js)');
    await run(process.execPath, [cli, MODEL_JSON, out], { cwd: path.join(repoRoot, 'functions/classify'), maxBuffer: 1 << 24 });
    // as a user publishes it: the labels beside the model (the .onnx carries its spec, not the class names)
    await copyFile(path.join(path.dirname(MODEL_JSON), 'labels.json'), path.join(scratch, 'labels.json'));
  }
  return `file://${out}`;
}

async function measure(design: Design, rgw: Rgw, pool: Pool, scratch: string): Promise<Measured> {
  const m: Measured = { design, readyMs: [], parts: {}, levels: [], problems: [] };
  let fn: RunningFunction | undefined;
  const t0 = performance.now();
  const progress = (what: string): void => console.log(`  … ${design.name}: ${what} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  try {
    const env = { ...awsEnvFor(rgw), RESULTS_PREFIX, ...design.env, MODEL_URL: await modelUrl(design, scratch) };
    for (let i = 0; i < COLD_STARTS; i++) {
      const started = await startFunction('classify', env);
      m.readyMs.push(started.readyMs);
      const ready = readyLine(started) ?? {};
      const startup = (ready.startup ?? {}) as Record<string, unknown>;
      // the parts engines report, and whatever else the line's `startup` holds
      for (const part of new Set([...STARTUP_PARTS, ...Object.keys(startup)])) {
        const v = startup[part] ?? ready[part];
        if (typeof v === 'number') (m.parts[part] ??= []).push(v);
      }
      m.engine = [ready.engine ?? ready.backend, ready.executor].filter((x) => typeof x === 'string').join(' / ') || undefined;
      if (i < COLD_STARTS - 1) await started.stop();
      else fn = started;
    }
    progress(`${COLD_STARTS} cold starts`);
    const instance = fn!;
    const pid = instance.child.pid!;
    m.rssAfterStartMb = memory(pid).rssMb;
    // peak under load, not the loading's own peak (kept when the kernel refuses the reset)
    m.peakIsLoadOnly = resetPeak(pid);
    const post = async (i: number): Promise<number> => {
      const res = await fetch(instance.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: pool.records[i % pool.records.length]! });
      const text = await res.text();
      if (res.status !== 200 && m.problems.length < 3) m.problems.push(`HTTP ${res.status}: ${text.slice(0, 160)}`);
      return res.status;
    };
    await closedLoop(2, 8, post, LEVEL_BUDGET_MS); // warm-up, not measured
    const ceph = cephPids(rgw);
    let cpu = 0;
    let cephCpu = 0;
    let images = 0;
    for (const clients of CLIENTS) {
      await clearResults(pool);
      const cpu0 = cpuMs(pid);
      const ceph0 = cpuMsOf(ceph);
      const level = await closedLoop(clients, requestsFor(clients), post, LEVEL_BUDGET_MS);
      cpu += cpuMs(pid) - cpu0;
      cephCpu += cpuMsOf(ceph) - ceph0;
      m.levels.push(level);
      progress(`${clients} clients: ${perSecond(level).toFixed(1)} img/s`);
      const ok = level.statuses.get(200) ?? 0;
      images += ok;
      const stored = await clearResults(pool);
      if (stored !== ok) m.problems.push(`${clients} clients: ${ok} answers 200 but ${stored} results stored`);
    }
    m.cpuMsPerImage = cpu / images;
    m.cephCpuMsPerImage = ceph.length ? cephCpu / images : undefined;
    m.rssPeakMb = memory(pid).peakMb;
  } catch (error) {
    m.failed = error instanceof Error ? error.message.split('\n')[0] : String(error);
  } finally {
    await fn?.stop();
  }
  return m;
}

function printResults(results: Measured[]): void {
  const row = (label: string, value: (m: Measured) => string, target?: Target, measured?: (m: Measured) => number | undefined): string[] => {
    const cells = results.map((m) => (m.failed ? '-' : target ? `${value(m)} ${mark(target, measured?.(m))}` : value(m)));
    return [label, ...cells, target ? describeTarget(target) : ''];
  };
  const median = (values: number[] | undefined): number | undefined => (values?.length ? stats(values).median : undefined);
  const level = (m: Measured, clients: number): LoadRun | undefined => m.levels.find((l) => l.clients === clients);
  const rows: string[][] = [
    row('engine / executor (ready log)', (m) => m.engine ?? '-'),
    row(`cold start: process start → ready, median of ${COLD_STARTS}`, (m) => `${num(median(m.readyMs))} ms`, TARGETS.coldStartMs, (m) => median(m.readyMs)),
    ...[...new Set([...STARTUP_PARTS, ...results.flatMap((m) => Object.keys(m.parts))])].map((part) => row(`  ready log startup.${part}`, (m) => num(median(m.parts[part])))),
    row('RSS after start', (m) => `${num(m.rssAfterStartMb)} MB`, TARGETS.rssAfterStartMb, (m) => m.rssAfterStartMb),
    row('peak RSS under load (VmHWM)', (m) => `${num(m.rssPeakMb)} MB${m.peakIsLoadOnly ? '' : ' (incl. start)'}`, TARGETS.rssPeakMb, (m) => m.rssPeakMb),
  ];
  for (const clients of CLIENTS) {
    const figure = (m: Measured): LoadRun | undefined => level(m, clients);
    const tput = (m: Measured): number | undefined => {
      const l = figure(m);
      return l ? perSecond(l) : undefined;
    };
    const p = (m: Measured, q: 'median' | 'p95'): number | undefined => {
      const l = figure(m);
      return l ? stats(l.latencies)[q] : undefined;
    };
    const n = (m: Measured): number => figure(m)?.latencies.length ?? 0;
    rows.push(row(`${clients} client${clients > 1 ? 's' : ''}: throughput`, (m) => `${num(tput(m), 1)} img/s (n=${n(m)})`, clients === 8 ? TARGETS.throughput8 : undefined, tput));
    rows.push(row(`  latency p50 / p95, POST → stored`, (m) => `${num(p(m, 'median'))} / ${num(p(m, 'p95'))} ms`, clients === 1 ? TARGETS.warmP50 : undefined, (m) => p(m, 'median')));
  }
  rows.push(row('CPU per image: classify (utime+stime ÷ images)', (m) => `${num(m.cpuMsPerImage, 1)} ms`));
  rows.push(row('CPU per image: Ceph (radosgw+osd+mon)', (m) => `${num(m.cephCpuMsPerImage, 1)} ms`));
  printTable(['', ...results.map((m) => m.design.name), 'target'], rows);
  for (const m of results) {
    console.log(`  ${m.design.name}: ${m.design.about}; env ${JSON.stringify(m.design.env)}${m.failed ? ` — DID NOT RUN: ${m.failed}` : ''}`);
    for (const problem of m.problems) console.log(`    ! ${problem}`);
  }
}

export async function benchClassify(): Promise<void> {
  const wanted = process.env.BENCH_DESIGNS?.split(',').map((s) => s.trim());
  const designs = DESIGNS.filter((d) => !wanted || wanted.includes(d.name));
  console.log(`classify: one built instance (npm start's command) against a real Ceph RGW ${releasesForTests()[0]}, plain RGW POSTs of uploaded photos; ${designs.map((d) => d.name).join(' vs ')}`);
  const rgw = await rgwForTests(releasesForTests()[0]!);
  const s3 = s3For(rgw);
  const scratch = await mkdtemp(path.join(tmpdir(), 'bench-classify-'));
  try {
    const pool = await uploadPool(s3, requestsFor(Math.max(...CLIENTS)));
    const results: Measured[] = [];
    for (const design of designs) results.push(await measure(design, rgw, pool, scratch));
    printResults(results);
  } finally {
    s3.destroy();
    await rgw.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
