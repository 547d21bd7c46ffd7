// The lifecycle all three functions share (packages/core/src/lifecycle), seen from each function: in
// process, `not_ready` has one shape before init and after shutdown, the probes follow; BUILT and
// started by `npm start`, a start-up that fails (bad configuration, a model that does not load) ends
// the process with exit code 1 and a `cannot start` line naming the problem.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse, InvocationContext, ProbeHandler } from '../../packages/core/src/index.ts';
import { sklearnModels, type SklearnModels } from '../../functions/score/test/in-process.ts';
import { runUntilExit } from '../support/function-process.ts';
import { sharedPath } from '../support/paths.ts';

interface FunctionModule {
  init(): Promise<void>;
  handle(context: InvocationContext, body?: unknown): Promise<unknown>;
  liveness: ProbeHandler;
  readiness: ProbeHandler;
  shutdown(): Promise<void>;
}

const token = 'lifecycle-test-token-0123456789';
// Credentials are only read when a request needs the object store; none of these calls does.
const s3Env = { AWS_ACCESS_KEY_ID: 'lifecycle', AWS_SECRET_ACCESS_KEY: 'lifecycle-secret', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' };
const mobilenet = `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}`;
let score: SklearnModels;
let scratch: string;

beforeAll(async () => {
  score = await sklearnModels();
  scratch = await mkdtemp(path.join(tmpdir(), 'lifecycle-'));
});
afterAll(async () => {
  await score?.remove();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const subjects = [
  { name: 'classify', load: () => import('../../functions/classify/src/index.ts'), env: () => ({ ...s3Env, MODEL_URL: mobilenet, TF_BACKEND: 'wasm' }), headers: {} },
  { name: 'configure-notify', load: () => import('../../functions/configure-notify/src/index.ts'), env: () => ({ ...s3Env, CONFIGURE_NOTIFY_TOKEN: token }), headers: { authorization: `Bearer ${token}` } },
  { name: 'score', load: () => import('../../functions/score/src/index.ts'), env: () => ({ MODEL_URL: `file://${score.dir}/`, DEFAULT_MODEL: 'mlp' }), headers: {} },
] as const;

function probe(handler: ProbeHandler): { status: number; body: string } {
  const sent = { status: 0, body: '' };
  const reply = {
    code: (status: number) => ((sent.status = status), reply),
    header: () => reply,
    send: (body: string) => void (sent.body = body),
  };
  handler(undefined, reply);
  return sent;
}

const notReady = (message: string | RegExp): HttpResponse => ({
  statusCode: 503,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: { error: { code: 'not_ready', message: typeof message === 'string' ? message : expect.stringMatching(message), retryable: true } },
});

/** Runs `fn` with these variables in process.env, as the function's container would have them. */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe.each(subjects)('$name in process', (s) => {
  it('is not_ready (503, retryable, one shape) before init and after shutdown, ready in between', async () => {
    const fn: FunctionModule = await s.load();
    const call = { method: 'POST', headers: { ...s.headers, 'content-type': 'application/json' }, contentType: 'application/json' };
    expect(await fn.handle(call, {})).toEqual(notReady(/^starting/));
    expect(probe(fn.readiness)).toMatchObject({ status: 503, body: expect.stringMatching(/^starting/) });
    expect(probe(fn.liveness)).toEqual({ status: 200, body: 'OK' });

    await withEnv(s.env(), () => fn.init());
    expect(probe(fn.readiness)).toEqual({ status: 200, body: 'OK' });
    const described = (await fn.handle({ method: 'GET', headers: s.headers })) as HttpResponse;
    expect(described.statusCode, JSON.stringify(described.body)).toBe(200);

    await fn.shutdown();
    expect(await fn.handle(call, {})).toEqual(notReady('shutting down'));
    expect(probe(fn.readiness)).toEqual({ status: 503, body: 'shutting down' });
    expect(probe(fn.liveness).status).toBe(200);
  }, 120_000);
});

describe('a start-up that fails ends the BUILT process with exit code 1 and says why', () => {
  const cases: Array<{ name: string; why: string; env: () => Record<string, string>; problem: RegExp }> = [
    { name: 'classify', why: 'no MODEL_URL', env: () => ({ ...s3Env }), problem: /MODEL_URL: is required/ },
    { name: 'classify', why: 'an invalid TOP_K', env: () => ({ ...s3Env, MODEL_URL: mobilenet, TOP_K: 'lots' }), problem: /TOP_K: / },
    { name: 'classify', why: 'a model that is not there', env: () => ({ ...s3Env, MODEL_URL: `file://${scratch}/absent/model.json` }), problem: /absent\/model\.json/ },
    { name: 'configure-notify', why: 'no token', env: () => ({ ...s3Env }), problem: /CONFIGURE_NOTIFY_TOKEN: is required/ },
    { name: 'configure-notify', why: 'a token too short', env: () => ({ ...s3Env, CONFIGURE_NOTIFY_TOKEN: 'short' }), problem: /CONFIGURE_NOTIFY_TOKEN: must be at least 16 characters/ },
    { name: 'score', why: 'no MODEL_URL', env: () => ({}), problem: /MODEL_URL: is required/ },
    { name: 'score', why: 'an invalid LOG_LEVEL', env: () => ({ MODEL_URL: `file://${score.dir}/`, LOG_LEVEL: 'loud' }), problem: /LOG_LEVEL: / },
    { name: 'score', why: 'a DEFAULT_MODEL that is not served', env: () => ({ MODEL_URL: `file://${score.dir}/`, DEFAULT_MODEL: 'forest' }), problem: /DEFAULT_MODEL "forest" is not among the models/ },
  ];

  it.each(cases)('$name with $why', async (c) => {
    const { code, output } = await runUntilExit(c.name, c.env());
    expect(code, output).toBe(1);
    const line = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'cannot start');
    expect(line, output).toMatchObject({ level: 'error', function: c.name });
    expect(String(line!.error), output).toMatch(c.problem);
  }, 90_000);
});
