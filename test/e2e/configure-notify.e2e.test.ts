// configure-notify end to end on the run's real Ceph RGW: documents applied through the running
// (built) function and through the `configure-notify` bin, proven by what RGW then pushes to HTTP
// receivers when objects are uploaded. Topics are non-persistent (RGW pushes before PutObject
// returns) except in the cloudevents/persistence block, and their receivers stay up for the whole file.
// Runs on every Ceph release of the run (vitest.config.ts); what differs is said where it is asserted.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type RunningFunction } from '../support/function-process.ts';
import { repoRoot } from '../support/paths.ts';
import { startRecorder, waitFor, type Delivery } from '../support/recorder.ts';
import { awsEnvFor, cephMajor, rgwAccess, s3For, uniqueName } from '../support/rgw-clients.ts';

type Recorder = Awaited<ReturnType<typeof startRecorder>>;
interface ReportShape {
  ok: boolean;
  dryRun: boolean;
  writes: number;
  summary: Record<string, number>;
  items: Array<{ kind: string; name: string; action?: string; changes?: Array<{ field: string; from?: unknown; to?: unknown }>; reasons?: string[] }>;
}

const rgw = rgwAccess();
const token = randomBytes(24).toString('hex');
const settleMs = 400;
const t0 = performance.now();

let fn: RunningFunction;
let s3: S3Client;
let a: Recorder;
let b: Recorder;
let tmp: string;

beforeAll(async () => {
  s3 = s3For(rgw);
  [a, b] = await Promise.all([startRecorder(), startRecorder()]);
  fn = await startFunction('configure-notify', { ...awsEnvFor(rgw), CONFIGURE_NOTIFY_TOKEN: token });
  tmp = await mkdtemp(path.join(tmpdir(), 'cn-e2e-'));
});

afterAll(async () => {
  await fn?.stop();
  await Promise.all([a?.close(), b?.close()]);
  s3?.destroy();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  process.stderr.write(`[e2e] configure-notify suite took ${Math.round(performance.now() - t0)} ms\n`);
});

async function call(operation: string, document: unknown): Promise<{ status: number; body: ReportShape & Record<string, unknown> }> {
  const res = await fetch(fn.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ operation, document }),
  });
  return { status: res.status, body: (await res.json()) as ReportShape & Record<string, unknown> };
}

interface Upload {
  key: string;
  metadata?: Record<string, string>;
  tags?: string;
}
async function upload(bucket: string, u: Upload): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: u.key, Body: `content of ${u.key}`, ...(u.metadata ? { Metadata: u.metadata } : {}), ...(u.tags ? { Tagging: u.tags } : {}) }));
}

/** key → the notification ids RGW pushed for it (sorted), from the deliveries since `from`. */
function pushed(recorder: Recorder, from = 0): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of recorder.deliveries.slice(from) as Delivery[]) {
    const record = (JSON.parse(d.body) as { Records: Array<{ s3: { configurationId: string; object: { key: string } } }> }).Records[0]!;
    out.set(record.s3.object.key, [...(out.get(record.s3.object.key) ?? []), record.s3.configurationId].sort());
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('configure-notify end to end: documents proven by uploads', () => {
  const bucket = uniqueName('e2e-cn-filters');
  const topic = uniqueName('e2e-cn');
  const state = (uri: string) => ({
    apiVersion: 'bucket-ml.io/v1alpha1',
    kind: 'NotificationState',
    metadata: { name: 'e2e-filters' },
    spec: {
      topics: [{ name: topic, endpoint: { http: { uri } }, opaqueData: 'e2e' }],
      notifications: [
        { bucket, id: 'by-prefix', topic, events: ['s3:ObjectCreated:*'], filter: { keyFilters: [{ name: 'prefix', value: 'img/' }] } },
        { bucket, id: 'by-suffix', topic, events: ['s3:ObjectCreated:*'], filter: { keyFilters: [{ name: 'suffix', value: '.png' }] } },
        // RGW matches a regex against the whole key
        { bucket, id: 'by-regex', topic, events: ['s3:ObjectCreated:*'], filter: { keyFilters: [{ name: 'regex', value: 'logs/[0-9]+\\.txt' }] } },
        // written as a bare name: completed to x-amz-meta-color, which is what RGW matches
        { bucket, id: 'by-metadata', topic, events: ['s3:ObjectCreated:*'], filter: { metadataFilters: [{ name: 'color', value: 'red' }] } },
        { bucket, id: 'by-tag', topic, events: ['s3:ObjectCreated:*'], filter: { tagFilters: [{ name: 'env', value: 'prod' }] } },
      ],
    },
  });

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it('every filter kind: the objects that should notify do, and the others do not', async () => {
    const applied = await call('apply', state(a.url));
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body.summary).toMatchObject({ created: 6, failed: 0 });

    const expected: Array<[Upload, string[]]> = [
      [{ key: 'img/cat.gif' }, ['by-prefix']],
      [{ key: 'docs/photo.png' }, ['by-suffix']],
      [{ key: 'img/both.png' }, ['by-prefix', 'by-suffix']],
      [{ key: 'logs/2024.txt' }, ['by-regex']],
      [{ key: 'logs/2024.txt.bak' }, []],
      [{ key: 'old/logs/2024.txt' }, []],
      [{ key: 'm/red.bin', metadata: { color: 'red' } }, ['by-metadata']],
      [{ key: 'm/blue.bin', metadata: { color: 'blue' } }, []],
      [{ key: 't/prod.bin', tags: 'env=prod' }, ['by-tag']],
      [{ key: 't/dev.bin', tags: 'env=dev' }, []],
      [{ key: 'readme.txt' }, []],
    ];
    for (const [u] of expected) await upload(bucket, u);
    const total = expected.reduce((n, [, ids]) => n + ids.length, 0);
    await waitFor(() => a.deliveries.length >= total, 10_000, `${total} pushes`);
    await sleep(settleMs); // and nothing more
    const got = pushed(a);
    for (const [u, ids] of expected) expect(got.get(u.key) ?? [], u.key).toEqual(ids);
    expect(a.deliveries).toHaveLength(total);
    expect(b.deliveries).toHaveLength(0);
  });

  it('applying the same document again reports everything unchanged and writes nothing', async () => {
    const again = await call('apply', state(a.url));
    expect(again.status).toBe(200);
    expect(again.body.summary).toMatchObject({ unchanged: 6, created: 0, updated: 0, deleted: 0, failed: 0 });
    expect(again.body.writes).toBe(0);
  });

  it('plan shows an endpoint change (topic and every notification using it) without making it', async () => {
    const plan = await call('plan', state(b.url));
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ dryRun: true, writes: 0 });
    const topicItem = plan.body.items.find((i) => i.name === topic)!;
    expect(topicItem).toMatchObject({ action: 'updated', changes: [{ field: 'endpoint.http.uri', from: a.url, to: b.url }] });
    expect(plan.body.items.filter((i) => i.kind === 'notification').map((i) => i.action)).toEqual(Array(5).fill('updated'));

    const before = a.deliveries.length;
    await upload(bucket, { key: 'img/after-plan.gif' });
    await waitFor(() => a.deliveries.length > before, 10_000, 'the push to the unchanged endpoint');
    expect(b.deliveries).toHaveLength(0);
    const got = await call('get', state(b.url));
    expect((got.body.document as { spec: { topics: Array<{ endpoint: { http: { uri: string } } }> } }).spec.topics[0]!.endpoint.http.uri).toBe(a.url);
  });

  it('changing the endpoint moves delivery to the new endpoint', async () => {
    const moved = await call('apply', state(b.url));
    expect(moved.status).toBe(200);
    expect(moved.body.summary).toMatchObject({ updated: 6, failed: 0 });
    const fromA = a.deliveries.length;
    await upload(bucket, { key: 'img/after-move.gif' });
    await upload(bucket, { key: 't/prod-2.bin', tags: 'env=prod' });
    await waitFor(() => b.deliveries.length >= 2, 10_000, 'two pushes to the new endpoint');
    await sleep(settleMs);
    expect(pushed(b)).toEqual(new Map([['img/after-move.gif', ['by-prefix']], ['t/prod-2.bin', ['by-tag']]]));
    expect(a.deliveries.length).toBe(fromA);
  });

  it('delete stops delivery', async () => {
    const deleted = await call('delete', state(b.url));
    expect(deleted.status).toBe(200);
    expect(deleted.body.summary).toMatchObject({ deleted: 6, failed: 0 });
    const [na, nb] = [a.deliveries.length, b.deliveries.length];
    await upload(bucket, { key: 'img/after-delete.gif' });
    await upload(bucket, { key: 'm/red-2.bin', metadata: { color: 'red' } });
    await sleep(settleMs * 2);
    expect([a.deliveries.length, b.deliveries.length]).toEqual([na, nb]);
    const got = await call('get', state(b.url));
    expect(got.body.document).toMatchObject({ spec: { topics: [], notifications: [] } });
  });
});

describe(`configure-notify end to end: sendCloudEvents and persistent on RGW ${rgw.release}`, () => {
  const bucket = uniqueName('e2e-cn-ce');
  const plain = uniqueName('e2e-cn-ce');
  const queued = uniqueName('e2e-cn-ceq');
  let c: Recorder;
  let d: Recorder;
  const state = () => ({
    apiVersion: 'bucket-ml.io/v1alpha1',
    kind: 'NotificationState',
    spec: {
      topics: [
        { name: plain, endpoint: { http: { uri: c.url, sendCloudEvents: true } } },
        { name: queued, persistent: true, endpoint: { http: { uri: d.url, sendCloudEvents: true } } },
      ],
      notifications: [
        { bucket, id: 'ce-now', topic: plain, events: ['s3:ObjectCreated:*'], filter: { keyFilters: [{ name: 'prefix', value: 'now/' }] } },
        { bucket, id: 'ce-queued', topic: queued, events: ['s3:ObjectCreated:*'], filter: { keyFilters: [{ name: 'prefix', value: 'queued/' }] } },
      ],
    },
  });

  beforeAll(async () => {
    [c, d] = await Promise.all([startRecorder(), startRecorder()]);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await Promise.all([c?.close(), d?.close()]);
  });

  it('apply creates both topics as declared; apply again writes nothing; get gives the document back', async () => {
    const applied = await call('apply', state());
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body.summary).toMatchObject({ created: 4, failed: 0 });
    // read back as written; on 16 configure-notify warns that the RGW will ignore sendCloudEvents
    const warnings = applied.body.items.filter((i) => i.kind === 'warning').map((i) => (i as { code?: string }).code);
    expect(warnings).toEqual(cephMajor(rgw) >= 17 ? [] : ['cloudevents_unsupported', 'cloudevents_unsupported']);
    const again = await call('apply', state());
    expect(again.body.summary).toMatchObject({ unchanged: 4, created: 0, updated: 0, failed: 0 });
    expect(again.body.writes).toBe(0);
    const got = await call('get', state());
    expect((got.body.document as { spec: unknown }).spec).toMatchObject({ topics: state().spec.topics });
  });

  it(`uploads arrive ${cephMajor(rgw) >= 17 ? 'as binary-mode CloudEvents (17+)' : 'as plain JSON (16 stores sendCloudEvents and ignores it)'}, from both topics`, { timeout: 90_000 }, async () => {
    await upload(bucket, { key: 'now/a.txt' });
    await upload(bucket, { key: 'queued/b.txt' });
    await upload(bucket, { key: 'elsewhere/c.txt' });
    await waitFor(() => c.deliveries.length >= 1, 10_000, 'the non-persistent push');
    // a new persistent queue is picked up at RGW's next queue scan (every 30 s)
    await waitFor(() => d.deliveries.length >= 1, 75_000, 'the persistent push');
    await sleep(settleMs);
    expect(pushed(c)).toEqual(new Map([['now/a.txt', ['ce-now']]]));
    expect(pushed(d)).toEqual(new Map([['queued/b.txt', ['ce-queued']]]));
    for (const [delivery, key] of [[c.deliveries[0]!, 'now/a.txt'], [d.deliveries[0]!, 'queued/b.txt']] as const) {
      if (cephMajor(rgw) >= 17) {
        expect(delivery.headers).toMatchObject({ 'ce-specversion': '1.0', 'ce-type': 'com.amazonaws.ObjectCreated:Put', 'ce-source': `ceph:s3.default.${bucket}`, 'ce-subject': key });
      } else {
        expect(Object.keys(delivery.headers).filter((h) => h.startsWith('ce-'))).toEqual([]);
      }
    }
  });

  it('delete removes both topics and notifications; deleting again finds nothing to do', async () => {
    const deleted = await call('delete', state());
    expect(deleted.body.summary).toMatchObject({ deleted: 4, failed: 0 });
    const again = await call('delete', state());
    expect(again.body.summary).toMatchObject({ deleted: 0, failed: 0 });
    expect(again.body.writes).toBe(0);
    const [nc, nd] = [c.deliveries.length, d.deliveries.length];
    await upload(bucket, { key: 'now/after-delete.txt' });
    await sleep(settleMs);
    expect([c.deliveries.length, d.deliveries.length]).toEqual([nc, nd]);
  });
});

// ------------------------------------------------------------------ the command line

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `configure-notify` bin at the repository root, as a user would (`npx configure-notify …`). */
function cli(args: string[], env: Record<string, string>, viaNpx = false): Promise<CliResult> {
  const [cmd, argv] = viaNpx ? ['npx', ['--no-install', 'configure-notify', ...args]] : [path.join(repoRoot, 'node_modules/.bin/configure-notify'), args];
  return new Promise((resolve) => {
    execFile(cmd, argv, { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('configure-notify end to end: the command line and the old notify.env', () => {
  const bucket = uniqueName('e2e-cn-envfile');

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it('notify.env through --env-file gives the same RGW state as the equivalent document, and delivers', async () => {
    // the seed tool's file, unchanged in form; its keys and endpoint are the CLI's only way to RGW here
    const envFile = path.join(tmp, 'notify.env');
    await writeFile(
      envFile,
      [
        `ACCESS_KEY=${rgw.accessKey}`,
        `SECRET_KEY=${rgw.secretKey}`,
        `ENDPOINT_URL=${rgw.endpoint}`,
        `BUCKET_NAME=${bucket}`,
        `HTTP_ENDPOINT=${a.url}`,
        `FILTER='{"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}}'`,
        'FILTER_TYPE=suffix',
        '',
      ].join('\n'),
    );
    const applied = await cli(['apply', '--env-file', envFile], {}, true);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/topic\s+\S+-notify\s+created/);
    const fromEnv = await cli(['get', '--env-file', envFile, '-o', 'json'], {});
    expect(fromEnv.code, fromEnv.stderr).toBe(0);

    const before = a.deliveries.length;
    await upload(bucket, { key: 'x.jpg' });
    await upload(bucket, { key: 'y.png' });
    await waitFor(() => a.deliveries.length > before, 10_000, 'the push for x.jpg');
    await sleep(settleMs);
    expect(pushed(a, before)).toEqual(new Map([['x.jpg', [`${bucket}-notify`]]]));

    expect((await cli(['delete', '--env-file', envFile], {})).code).toBe(0);
    expect((await cli(['get', '--env-file', envFile, '-o', 'json'], {})).stdout).toMatch(/"topics": \[\]/);

    // the same intent written as a document (by hand, not by the translator), applied with AWS_* variables
    const docFile = path.join(tmp, 'state.yaml');
    await writeFile(
      docFile,
      `apiVersion: bucket-ml.io/v1alpha1
kind: NotificationState
spec:
  topics:
    - name: ${bucket}-notify
      endpoint:
        http:
          uri: ${a.url}
  notifications:
    - bucket: ${bucket}
      id: ${bucket}-notify
      topic: ${bucket}-notify
      events: [s3:ObjectCreated:*]
      filter:
        keyFilters:
          - name: suffix
            value: .jpg
`,
    );
    const env = awsEnvFor(rgw);
    const fromDocApply = await cli(['apply', '-f', docFile, '-o', 'json'], env);
    expect(fromDocApply.code, fromDocApply.stderr).toBe(0);
    expect((JSON.parse(fromDocApply.stdout) as ReportShape).summary).toMatchObject({ created: 2 });
    const fromDoc = await cli(['get', '-f', docFile, '-o', 'json'], env);
    expect(JSON.parse(fromDoc.stdout)).toEqual(JSON.parse(fromEnv.stdout));
    expect(JSON.parse(fromDoc.stdout).spec.notifications).toHaveLength(1);

    // and the env file sees it as its own: nothing to do
    const planned = await cli(['plan', '--env-file', envFile, '-o', 'json'], {});
    expect((JSON.parse(planned.stdout) as ReportShape).summary).toMatchObject({ unchanged: 2, created: 0, updated: 0 });
    expect((await cli(['delete', '-f', docFile], env)).code).toBe(0);
  });

  it('exit codes: 2 for an invalid document (every problem listed), 1 when RGW refuses the credentials', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    await writeFile(bad, 'apiVersion: bucket-ml.io/v1alpha1\nkind: NotificationState\nspec:\n  topics:\n    - name: t\n      endpoint: { http: { uri: "ftp://x" } }\n  notifications:\n    - { bucket: b, id: n, topic: t }\n');
    const invalid = await cli(['apply', '-f', bad], awsEnvFor(rgw));
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/spec\.topics\[0\]\.endpoint\.http\.uri: scheme ftp/);
    expect(invalid.stderr).toMatch(/spec\.notifications\[0\]\.bucket:/);

    const refused = await cli(['get'], { ...awsEnvFor(rgw), AWS_SECRET_ACCESS_KEY: 'wrong-wrong-wrong-wrong-wrong-wrong-wron' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/RGW refused the credentials/);
    expect(refused.stderr).not.toContain('wrong-wrong');

    expect((await cli(['apply'], awsEnvFor(rgw))).code).toBe(2);
    expect((await cli(['frobnicate'], {})).code).toBe(2);
  });
});
