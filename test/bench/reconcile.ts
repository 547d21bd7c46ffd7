// reconcile benchmark (issue 12): a bucket of several thousand small objects on the real RGW, reconciled
// by the built CLI in a child process; prints objects/s and the child's peak RSS (VmHWM) for a small and
// a large share of the bucket, so bounded memory shows as a peak that does not grow with the count.
// Dry runs, and one run against a counting sink that answers 202 like a Broker ingress. Asserts nothing.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { releasesForTests, rgwForTests } from '../rgw/launcher.ts';
import { repoRoot } from '../support/paths.ts';
import { awsEnvFor, s3For } from '../support/rgw-clients.ts';
import { resultKey, versionTag } from '../../packages/core/src/result-naming.ts';

const OBJECTS = Number(process.env.BENCH_RECONCILE_OBJECTS ?? 4000);
const SMALL = Math.round(OBJECTS / 8);
const MODEL = { name: 'bench-model', version: '1' };

interface Run {
  report: { seen: number; done: number; sent: number; failed: number };
  ms: number;
  peakMb: number;
}

function peakKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Runs the built CLI, sampling its peak RSS until it exits. */
async function runCli(args: string[], env: Record<string, string>): Promise<Run> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['functions/configure-notify/build/cli.js', 'reconcile', '-o', 'json', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakKb(child.pid!))), 20);
  await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  return { report: JSON.parse(out) as Run['report'], ms: performance.now() - t0, peakMb: Math.round(peak / 1024) };
}

async function pool<T>(items: T[], n: number, task: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await task(items[i++]!);
  }));
}

export async function benchReconcile(): Promise<void> {
  const rgw = await rgwForTests(releasesForTests()[0]!);
  const s3 = s3For(rgw);
  const bucket = `bench-reconcile-${Date.now().toString(36)}`;
  let sent = 0;
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      sent++;
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const keys = Array.from({ length: OBJECTS }, (_, i) => `${i < SMALL ? 'small' : 'large'}/${String(i).padStart(6, '0')}.jpg`);
    const t0 = performance.now();
    // a quarter already has a result (of the bench model), under the name classify would give it
    await pool(keys, 16, async (key) => {
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `tiny ${key}` }));
      if (Number(key.slice(-10, -4)) % 4 === 0) {
        const name = resultKey('results/', key, versionTag({ eTag: put.ETag })!, MODEL);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: name, Body: '{}' }));
      }
    });
    console.log(`reconcile: ${OBJECTS} objects (+${OBJECTS / 4} results) uploaded in ${Math.round(performance.now() - t0)} ms`);
    const env = { ...awsEnvFor(rgw), RECONCILE_BUCKET: bucket, RECONCILE_KEY_SUFFIX: '.jpg' };
    const show = (label: string, r: Run): void =>
      console.log(
        `  ${label.padEnd(44)} ${String(Math.round((r.report.seen / r.ms) * 1000)).padStart(5)} objects/s  peak RSS ${r.peakMb} MB  (seen ${r.report.seen}, done ${r.report.done}, ${label.includes('dry') ? 'would send' : 'sent'} ${r.report.sent}, failed ${r.report.failed}, ${Math.round(r.ms)} ms)`,
      );
    show(`dry run, ${SMALL} objects (prefix small/)`, await runCli(['--dry-run', '--prefix', 'small/', '--concurrency', '16'], env));
    show(`dry run, all ${OBJECTS} objects`, await runCli(['--dry-run', '--concurrency', '16'], env));
    show(`dry run, all, --model (HEAD per object)`, await runCli(['--dry-run', '--concurrency', '16', '--model', `${MODEL.name}@${MODEL.version}`], env));
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/bucket-ml/bucket-ml`;
    show(`send to a counting sink (rate 1000/s)`, await runCli(['--concurrency', '16', '--rate', '1000', '--target', url], env));
    console.log(`  the sink counted ${sent} events`);
  } finally {
    sink.close();
    s3.destroy();
    await rgw.stop();
  }
}
