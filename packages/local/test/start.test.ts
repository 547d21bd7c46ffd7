// The proof of `npm start`: run as a newcomer runs it (the root npm script, as a child process),
// wait for the first table, upload another image with an S3 client using the printed endpoint and
// credentials, find its result stored, then Ctrl-C: exit code 0 and no process left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { GetBucketNotificationConfigurationCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterEach, describe, expect, it } from 'vitest';
import { expectedTop1, firstName } from '../../../test/support/images.ts';
import { sharedPath } from '../../../test/support/paths.ts';
import { rgwAccess, uniqueName } from '../../../test/support/rgw-clients.ts';
import { freePort } from '../src/run/ports.ts';
import { repoRoot } from '../src/run/paths.ts';
import { bigJpeg } from './big-photo.ts';
import { until } from './helpers.ts';

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: Started[] = [];

function npmStart(env: Record<string, string>): Started {
  // detached: its own process group, so the test can send SIGINT the way a terminal's Ctrl-C does
  const child = spawn('npm', ['start'], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const started = { child, output: () => out, exited };
  running.push(started);
  return started;
}

/** Every process descending from `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, parent] of parents) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/** True while the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitForTable(s: Started, timeoutMs: number): Promise<void> {
  await until(
    () => {
      if (s.child.exitCode !== null) throw new Error(`npm start exited (${s.child.exitCode}) early:\n${s.output()}`);
      return s.output().includes('Ctrl-C stops everything');
    },
    timeoutMs,
    'the first table and the banner',
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n--- output ---\n${s.output()}`);
  });
}

const printed = (out: string, label: string): string => {
  const m = new RegExp(`${label}\\s+(\\S+)`).exec(out);
  if (!m?.[1]) throw new Error(`no "${label}" in the output:\n${out}`);
  return m[1];
};

/** An S3 client with the endpoint and key pair the banner printed. */
const printedClient = (out: string): S3Client =>
  new S3Client({
    endpoint: printed(out, 'S3 endpoint'),
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: printed(out, 'Access key'), secretAccessKey: printed(out, 'Secret key') },
  });

interface StoredResult {
  object: { key: string };
  top: { label: string };
}

/** The result classify stores for one version of an object, once it is there. */
async function storedResult(s3: S3Client, key: string, etag: string, timeoutMs: number): Promise<StoredResult> {
  // results/<key>/<version tag>/<model>@<version>.json (core's result-naming): the one model's result
  const resultKey = `results/${key}/etag-${etag}/`;
  return until(
    async () => {
      try {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: resultKey }));
        const first = listed.Contents?.[0]?.Key;
        if (!first) return undefined;
        const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: first }));
        return JSON.parse(await got.Body!.transformToString()) as StoredResult;
      } catch {
        return undefined;
      }
    },
    timeoutMs,
    `the stored result ${resultKey}`,
  );
}

afterEach(async () => {
  // a failed test must not leave a pipeline running
  for (const s of running.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      try {
        process.kill(-s.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

describe('npm start (embedded S3 server)', () => {
  it('classifies the samples, then later uploads (one a 17 MB photo sent multipart), and stops cleanly on Ctrl-C', async () => {
    const t0 = performance.now();
    const bigPhoto = bigJpeg('kite.jpg');
    const s = npmStart({ S3_PORT: String(await freePort()), CLASSIFY_PORT: String(await freePort()) });
    await waitForTable(s, 180_000);
    const firstTableMs = Math.round(performance.now() - t0);
    const out = s.output();

    // the table: every sample with the label ../shared/images/SOURCE.md lists
    expect(out).toMatch(/IMAGE\s+TOP LABEL\s+SCORE/);
    const expected = expectedTop1();
    for (const [image, label] of expected) {
      const row = out.split('\n').find((l) => l.trimStart().startsWith(`${image} `));
      expect(row, `row for ${image}`).toBeDefined();
      expect(row).toContain(` ${label} `);
    }
    expect(out).toMatch(new RegExp(`${expected.size} of ${expected.size} images classified`));

    // the printed endpoint and key pair work with an S3 client (SDK defaults: aws-chunked uploads)
    const endpoint = printed(out, 'S3 endpoint');
    const s3 = new S3Client({
      endpoint,
      region: 'eu-west-3', // any region signs
      forcePathStyle: true,
      credentials: { accessKeyId: printed(out, 'Access key'), secretAccessKey: printed(out, 'Secret key') },
    });
    const classifyPid = Number(/classify ready on \S+ \(pid (\d+)/.exec(out)?.[1]);
    expect(classifyPid).toBeGreaterThan(0);
    const tree = descendants(s.child.pid!);
    expect(tree).toContain(classifyPid);

    try {
      const photo = await readFile(sharedPath('images/kite.jpg'));
      const key = 'later/kite again.jpeg';
      await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: key, Body: photo, ContentType: 'image/jpeg' }));
      const stored = await storedResult(s3, key, createHash('md5').update(photo).digest('hex'), 30_000);
      expect(stored.object.key).toBe(key);
      expect(firstName(stored.top.label)).toBe(expected.get('kite.jpg'));
      await until(() => s.output().includes('later/kite again.jpeg'), 10_000, 'the new row');

      // a camera-sized photo: above 8 MB the AWS CLI and the SDKs' managed upload go multipart
      const big = await bigPhoto;
      expect(big.length).toBeGreaterThan(16 * 1024 * 1024);
      const bigKey = 'camera/IMG_0002.jpg';
      const parts = new Set<number>();
      const upload = new Upload({ client: s3, params: { Bucket: 'photos', Key: bigKey, Body: big, ContentType: 'image/jpeg' } });
      upload.on('httpUploadProgress', (p) => p.part !== undefined && parts.add(p.part));
      const done = await upload.done();
      expect(parts.size).toBeGreaterThanOrEqual(3);
      expect(done.ETag).toMatch(new RegExp(`^"[0-9a-f]{32}-${parts.size}"$`));
      const bigStored = await storedResult(s3, bigKey, done.ETag!.slice(1, -1), 60_000);
      expect(firstName(bigStored.top.label)).toBe(expected.get('kite.jpg'));
      await until(() => s.output().includes(bigKey), 10_000, 'the row of the multipart upload');
    } finally {
      s3.destroy();
    }

    // Ctrl-C: SIGINT to the whole foreground process group, as a terminal sends it
    process.kill(-s.child.pid!, 'SIGINT');
    const exit = await s.exited;
    expect(exit, s.output()).toEqual({ code: 0, signal: null });
    expect(s.output()).toContain('Stopped: classify and the S3 server are down.');
    await until(() => !alive(classifyPid), 2000, 'classify to be gone').catch(() => undefined);
    expect(alive(classifyPid), `classify (pid ${classifyPid}) still running`).toBe(false);
    expect(tree.filter(alive), 'processes left behind').toEqual([]);
    process.stderr.write(`[local] npm start: first table after ${firstTableMs} ms\n`);
  }, 240_000);

  it('stops cleanly on SIGTERM sent to npm alone (as a process supervisor does)', async () => {
    const s = npmStart({ S3_PORT: '0', CLASSIFY_PORT: '0', SAMPLE_IMAGES: 'none' });
    await waitForTable(s, 180_000);
    const classifyPid = Number(/classify ready on \S+ \(pid (\d+)/.exec(s.output())?.[1]);
    const tree = descendants(s.child.pid!);
    s.child.kill('SIGTERM');
    const exit = await s.exited;
    expect(exit, s.output()).toEqual({ code: 0, signal: null });
    expect(alive(classifyPid)).toBe(false);
    expect(tree.filter(alive)).toEqual([]);
  }, 240_000);
});

describe('npm start with PIPELINE=broker (the cluster\'s eventing stood in)', () => {
  it('routes uploads through the CephSource adapter and the Broker: results replied, low confidence and a permanent failure to review, multipart by its own Trigger', async () => {
    const bigPhoto = bigJpeg('kite.jpg');
    const s = npmStart({ PIPELINE: 'broker', S3_PORT: '0', CLASSIFY_PORT: '0' });
    await waitForTable(s, 180_000);
    const out = s.output();
    const expected = expectedTop1();
    expect(out).toMatch(new RegExp(`${expected.size} of ${expected.size} images classified`));
    expect(out).toMatch(/Broker stand-in ready: CephSource adapter http:\S+ → Broker http:\S+\/bucket-ml\/bucket-ml → Triggers of knative\/overlays\/cephsource/);
    // every sample went RGW push → adapter → Broker → classify once; each result event was replied into
    // the Broker, and exactly the low-confidence ones reached review
    const rows = out.split('\n').filter((l) => [...expected.keys()].some((image) => l.trimStart().startsWith(`${image} `)));
    const low = rows.filter((l) => l.includes('low confidence')).length;
    expect(low).toBeGreaterThan(0);
    expect(low).toBeLessThan(expected.size);
    const n = expected.size;
    expect(out).toContain(`Broker: ${n} notification events → ${n} deliveries to classify (0 retried) → ${n} result or failed events replied → ${low} to review (low confidence or failed), 0 dead-lettered`);

    const s3 = printedClient(out);
    try {
      // a permanent failure: answered once with a failed event, which the Broker routes to review (no dead letter)
      await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'notes.jpg', Body: 'a text file named .jpg\n' }));
      await until(() => /notes\.jpg: io\.bucketml\.classification\.failed\.v1 delivered to review \(Trigger review-failures\)/.test(s.output()), 30_000, 'the failed event of notes.jpg at review');
      expect(s.output()).toMatch(/notes\.jpg.*not classified: not_an_image/);
      expect(s.output()).not.toMatch(/notes\.jpg: dead-lettered/);
      // a camera-sized photo, sent multipart: RGW's CompleteMultipartUpload event has its own Trigger
      const done = await new Upload({ client: s3, params: { Bucket: 'photos', Key: 'camera/IMG_0003.jpg', Body: await bigPhoto, ContentType: 'image/jpeg' } }).done();
      expect(done.ETag).toMatch(/-\d+"$/);
      const stored = await storedResult(s3, 'camera/IMG_0003.jpg', done.ETag!.slice(1, -1), 60_000);
      expect(firstName(stored.top.label)).toBe(expected.get('kite.jpg'));
      const logFile = /Log: (\S+)/.exec(out)![1]!;
      // the Broker records the attempt once classify's answer is in, a moment after the result is stored
      const attempt = /\[broker\] classify-complete-multipart-upload com\.amazonaws\.ObjectCreated:CompleteMultipartUpload camera\/IMG_0003\.jpg attempt 1: 200 → ok/;
      await until(async () => attempt.test(await readFile(logFile, 'utf8')), 10_000, 'the Broker attempt on Trigger classify-complete-multipart-upload');
    } finally {
      s3.destroy();
    }

    const classifyPid = Number(/classify ready on \S+ \(pid (\d+)/.exec(out)?.[1]);
    const tree = descendants(s.child.pid!);
    process.kill(-s.child.pid!, 'SIGINT');
    expect(await s.exited, s.output()).toEqual({ code: 0, signal: null });
    await until(() => !alive(classifyPid), 2000, 'classify to be gone').catch(() => undefined);
    expect(tree.filter(alive), 'processes left behind').toEqual([]);
  }, 240_000);
});

describe('npm start with NOTIFY=off (uploads nobody announced, caught up by reconcile)', () => {
  it('uploads the samples unannounced, reconciles them into classify, finds nothing left the second time, and the printed command catches up a later upload', async () => {
    const s = npmStart({ NOTIFY: 'off', S3_PORT: '0', CLASSIFY_PORT: '0' });
    await waitForTable(s, 180_000);
    const out = s.output();
    const expected = expectedTop1();
    const n = expected.size;
    expect(out).toContain('notifications are off (NOTIFY=off)');
    // the table of what was caught up: every sample, with its label
    for (const [image, label] of expected) {
      const row = out.split('\n').find((l) => l.trimStart().startsWith(`${image} `));
      expect(row, `row for ${image}`).toBeDefined();
      expect(row).toContain(` ${label} `);
    }
    expect(out).toMatch(new RegExp(`${n} of ${n} images caught up by reconcile`));
    expect(out).toContain(`reconcile of s3://photos/: seen ${n}, already done 0, sent ${n}, failed 0`);
    expect(out).toContain(`again: reconcile of s3://photos/: seen ${n}, already done ${n}, sent 0, failed 0`);

    // from another shell: the printed command, run as printed, catches up one more upload
    const command = /^\s+(AWS_ENDPOINT_URL_S3=\S+ .*configure-notify\.js reconcile .*)$/m.exec(out)?.[1];
    expect(command, out).toBeDefined();
    const s3 = printedClient(out);
    try {
      const photo = await readFile(sharedPath('images/kite.jpg'));
      await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'later/kite.jpg', Body: photo, ContentType: 'image/jpeg' }));
      const cli = spawn('bash', ['-c', command!], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let cliOut = '';
      cli.stdout!.on('data', (c: Buffer) => (cliOut += c.toString()));
      cli.stderr!.on('data', (c: Buffer) => (cliOut += c.toString()));
      const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
      expect(code, cliOut).toBe(0);
      expect(cliOut).toMatch(new RegExp(`^photos\\s+${n + 1}\\s+${n}\\s+1\\s+0$`, 'm'));
      const stored = await storedResult(s3, 'later/kite.jpg', createHash('md5').update(photo).digest('hex'), 30_000);
      expect(firstName(stored.top.label)).toBe(expected.get('kite.jpg'));
      await until(() => s.output().includes('later/kite.jpg'), 10_000, 'the row of the reconciled upload');
    } finally {
      s3.destroy();
    }
    process.kill(-s.child.pid!, 'SIGINT');
    expect(await s.exited, s.output()).toEqual({ code: 0, signal: null });
  }, 240_000);
});

describe('npm start against a real Ceph RGW', () => {
  it('configures the notification with configure-notify, classifies the samples in the RGW bucket, and stops cleanly', async () => {
    const rgw = rgwAccess();
    const bucket = uniqueName('local-start');
    const s = npmStart({
      AWS_ENDPOINT_URL_S3: rgw.endpoint,
      AWS_ACCESS_KEY_ID: rgw.accessKey,
      AWS_SECRET_ACCESS_KEY: rgw.secretKey,
      AWS_REGION: rgw.region,
      BUCKET: bucket,
      NOTIFY_TOPIC: uniqueName('local-start'),
      CLASSIFY_PORT: String(await freePort()),
    });
    await waitForTable(s, 180_000);
    const out = s.output();
    const expected = expectedTop1();
    expect(out).toMatch(new RegExp(`${expected.size} of ${expected.size} images classified`));
    const s3 = new S3Client({
      endpoint: rgw.endpoint,
      region: rgw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      const config = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
      expect(config.TopicConfigurations?.map((t) => t.Id).sort()).toEqual(['classify-jpeg', 'classify-jpg', 'classify-png', 'classify-webp']);
      const results = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'results/' }));
      expect(results.KeyCount).toBe(expected.size);
    } finally {
      s3.destroy();
    }
    const classifyPid = Number(/classify ready on \S+ \(pid (\d+)/.exec(out)?.[1]);
    process.kill(-s.child.pid!, 'SIGINT');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(alive(classifyPid)).toBe(false);
  }, 240_000);
});
