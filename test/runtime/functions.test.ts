// The three functions BUILT and started by their `npm start` command (the core server entry): `/`
// and the runtime's endpoints work as before, other paths reach handle instead of fastify's 404, and
// a malformed CloudEvent is a 400 before the function runs instead of the runtime's retried 500.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CloudEvent, HTTP } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cephSourceEvent } from '../support/cephsource.ts';
import { startFunction, type RunningFunction } from '../support/function-process.ts';
import { repoRoot, sharedPath } from '../support/paths.ts';
import { awsEnvFor, rgwAccess } from '../support/rgw-clients.ts';
import type { RgwRecord } from '../../packages/local/src/s3-server/notifications/records.ts';
import { malformedCloudEvents } from './malformed.ts';

const run = promisify(execFile);
const token = 'runtime-entry-token-0123456789';
const example = async (fn: string, file: string): Promise<unknown> => JSON.parse(await readFile(path.join(repoRoot, 'functions', fn, 'events', file), 'utf8')) as unknown;

interface Subject {
  name: 'classify' | 'configure-notify' | 'score';
  /** Headers every call needs (configure-notify's bearer token). */
  auth: Record<string, string>;
  /** A path other than `/` that the function answers with 200 (score: also once it routes paths). */
  otherPath: string;
  /** A valid CloudEvent and what proves the function handled it. */
  validEvent: () => Promise<CloudEvent<unknown>>;
  handled: (res: Response) => Promise<void>;
}

const subjects: Subject[] = [
  {
    name: 'classify',
    auth: {},
    otherPath: '/any/path?x=1',
    // An object removal: classify takes it and ignores it (a 2xx however replies are shaped).
    validEvent: async () => {
      const record = (await example('classify', 'cephsource-put.json')) as RgwRecord;
      return cephSourceEvent({ ...record, eventName: 'ObjectRemoved:Delete' });
    },
    handled: async (res) => expect(res.status, await res.text()).toBeLessThan(300),
  },
  {
    name: 'configure-notify',
    auth: { authorization: `Bearer ${token}` },
    otherPath: '/status',
    validEvent: async () => new CloudEvent({ type: 'io.bucketml.notifications.get.v1', source: '/test', data: await example('configure-notify', 'get.json') }),
    handled: async (res) => {
      expect(res.status).toBe(200);
      expect(res.headers.get('ce-type')).toBe('io.bucketml.notifications.report.v1');
    },
  },
  {
    name: 'score',
    auth: {},
    // Answered today like `/` (score ignores the path); the server-ready URL of Open Inference v2.
    otherPath: '/v2/health/ready',
    validEvent: async () => new CloudEvent({ type: 'io.bucketml.score.requested.v1', source: '/test', data: await example('score', 'row-23.json') }),
    handled: async (res) => {
      expect(res.status).toBe(200);
      expect(res.headers.get('ce-type')).toBe('io.bucketml.score.completed.v1');
    },
  },
];

const running = new Map<string, RunningFunction>();
let models: string;

beforeAll(async () => {
  const rgw = rgwAccess();
  models = await mkdtemp(path.join(tmpdir(), 'runtime-score-'));
  for (const kind of ['lda', 'mlp']) {
    await run(process.execPath, [path.join(repoRoot, 'functions/score/build/cli/import-sklearn.js'), '--in', sharedPath(`reference/eeg-letters/sklearn-${kind}.json`), '--out', models]);
  }
  const env: Record<Subject['name'], Record<string, string>> = {
    classify: { ...awsEnvFor(rgw), MODEL_URL: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}` },
    'configure-notify': { ...awsEnvFor(rgw), CONFIGURE_NOTIFY_TOKEN: token },
    score: { MODEL_URL: `file://${models}/`, DEFAULT_MODEL: 'mlp' },
  };
  await Promise.all(subjects.map(async (s) => running.set(s.name, await startFunction(s.name, env[s.name]))));
}, 180_000);

afterAll(async () => {
  await Promise.all([...running.values()].map((fn) => fn.stop()));
  if (models) await rm(models, { recursive: true, force: true });
});

describe.each(subjects)('$name under its npm start command', (s) => {
  const url = (target: string) => running.get(s.name)!.url + target;

  it('answers GET / as before', async () => {
    const res = await fetch(url('/'), { headers: s.auth });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('hands another path to handle (faas-js-runtime alone: 404 "Route … not found")', async () => {
    // Only handle answers 200 there: fastify's own answer is the 404.
    const res = await fetch(url(s.otherPath), { headers: s.auth });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('keeps the runtime\'s probes and metrics', async () => {
    for (const probe of ['/health/liveness', '/health/readiness']) expect((await fetch(url(probe))).status, probe).toBe(200);
    const metrics = await fetch(url('/metrics'));
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^faas_invocations/m);
  });

  it('refuses malformed CloudEvents, binary and structured, with 400 (faas-js-runtime alone: 500)', async () => {
    for (const c of malformedCloudEvents.filter((m) => m.name === 'no ce-type' || m.name === 'no type' || m.name === 'a body that is not JSON')) {
      const res = await fetch(url('/'), { method: 'POST', headers: { ...c.headers, ...s.auth }, body: c.body });
      const text = await res.text();
      expect(res.status, `${c.mode} ${c.name}: ${text}`).toBe(400);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'malformed_cloudevent', message: expect.stringMatching(c.message), retryable: false } });
    }
  });

  it('handles a valid CloudEvent, binary and structured', async () => {
    const event = await s.validEvent();
    for (const message of [HTTP.binary(event), HTTP.structured(event)]) {
      const res = await fetch(url('/'), { method: 'POST', headers: { ...(message.headers as Record<string, string>), ...s.auth }, body: message.body as string });
      await s.handled(res);
    }
  });
});
