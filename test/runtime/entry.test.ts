// The server entry every function's `npm start` runs (packages/core/src/runtime/serve.ts), BUILT and
// started as a process on a function that echoes what its handle received: any path reaches handle
// with its query, the runtime keeps its probes and metrics, malformed CloudEvents get a 400 that says
// what is wrong (faas-js-runtime alone answers 404, 500, or calls handle without the event).
import path from 'node:path';
import { CloudEvent, HTTP } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningFunction } from '../support/function-process.ts';
import { repoRoot } from '../support/paths.ts';
import { malformedCloudEvents, validBinary, validStructured } from './malformed.ts';

interface Echo {
  path: string;
  query: Record<string, string>;
  method: string;
  body: unknown;
  cloudevent: { id: string; type: string; source: string; specversion: string; data: unknown } | null;
}

const BODY_LIMIT = 4096;
const entry = path.join(repoRoot, 'functions/score/build/vendor/core/runtime/serve.js');
let fn: RunningFunction;

beforeAll(async () => {
  const dir = path.join(repoRoot, 'test/runtime/echo-function');
  fn = await startServer('echo', dir, [entry, './index.mjs'], { FUNC_BODY_LIMIT: String(BODY_LIMIT) });
});
afterAll(async () => {
  await fn?.stop();
});

async function echo(target: string, init: RequestInit = {}): Promise<Echo> {
  const res = await fetch(fn.url + target, init);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Echo;
}

describe('requests on any path reach handle', () => {
  it('`/` is `/`, with its query', async () => {
    expect(await echo('/?line=23')).toMatchObject({ path: '/', query: { line: '23' }, method: 'GET' });
  });

  it('standard inference URLs arrive with their path, query and body', async () => {
    expect(await echo('/v2/models/mlp/ready')).toMatchObject({ path: '/v2/models/mlp/ready', method: 'GET', query: {} });
    const body = { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] };
    const posted = await echo('/v2/models/mlp/versions/1/infer?trace=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(posted).toMatchObject({ path: '/v2/models/mlp/versions/1/infer', method: 'POST', query: { trace: '1' }, body });
    expect(await echo('/line/23')).toMatchObject({ path: '/line/23' });
    expect(await echo('/api/v1.0/predictions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data":{"ndarray":[[1]]}}' })).toMatchObject({
      path: '/api/v1.0/predictions',
      body: { data: { ndarray: [[1]] } },
    });
  });

  it('the path is the one requested, whatever path header a client sends', async () => {
    const got = await echo('/real?x=1', { headers: { 'x-bucket-ml-request-path': '/forged' } });
    expect(got.path).toBe('/real');
    expect((await echo('/', { headers: { 'x-bucket-ml-request-path': '/forged' } })).path).toBe('/');
  });

  it('percent-encoding is kept as sent', async () => {
    expect((await echo('/objects/a%2Fb%20c')).path).toBe('/objects/a%2Fb%20c');
  });

  it('OPTIONS keeps the runtime\'s CORS answer on any path', async () => {
    const res = await fetch(`${fn.url}/v2/models/mlp/infer`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });

  it('a method the runtime does not route is a 405 with Allow, not a 404 (which Knative retries)', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${fn.url}/anything`, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
      expect(await res.json()).toMatchObject({ error: { code: 'method_not_allowed', retryable: false } });
    }
  });
});

describe('the runtime keeps its own endpoints', () => {
  it('liveness and readiness are the runtime\'s (serving the module\'s probes), not handle', async () => {
    for (const [probe, answer] of [['/health/liveness', 'alive'], ['/health/readiness', 'ready']] as const) {
      const res = await fetch(fn.url + probe);
      expect(res.status, probe).toBe(200);
      expect(await res.text()).toBe(answer);
    }
  });

  it('/metrics is the runtime\'s Prometheus text, and counts the invocations', async () => {
    await echo('/counted');
    const res = await fetch(`${fn.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^# HELP /m);
    expect(text).toMatch(/^faas_invocations\{[^}]*\} [1-9]/m);
    // the text format's own type (the runtime alone says text/plain and sends 'Content-Type' spelled out as headers 0…11)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect([...res.headers.keys()].filter((name) => /^\d+$/.test(name))).toEqual([]);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
  });
});

describe('CloudEvent deliveries', () => {
  for (const c of malformedCloudEvents) {
    it(`${c.mode} mode, ${c.name} → 400 malformed_cloudevent naming the problem`, async () => {
      const res = await fetch(`${fn.url}/`, { method: 'POST', headers: c.headers, body: c.body });
      const text = await res.text();
      expect(res.status, text).toBe(400);
      expect(JSON.parse(text)).toEqual({ error: { code: 'malformed_cloudevent', message: expect.stringMatching(c.message), retryable: false } });
    });
  }

  it('the refusal is logged, and the connection stays usable', async () => {
    const bad = malformedCloudEvents[0]!;
    expect((await fetch(`${fn.url}/x`, { method: 'POST', headers: bad.headers, body: bad.body })).status).toBe(400);
    expect((await echo('/after')).path).toBe('/after');
    expect(fn.logs()).toContainEqual(expect.objectContaining({ msg: 'malformed CloudEvent refused', path: '/x' }));
  });

  it('a valid binary CloudEvent reaches handle as the event, on any path', async () => {
    const message = validBinary();
    const got = await echo('/events/in?model=mlp', { method: 'POST', headers: message.headers, body: message.body });
    expect(got).toMatchObject({ path: '/events/in', query: { model: 'mlp' }, cloudevent: { id: 'valid-1', type: 'io.example.test', source: '/test', specversion: '1.0', data: { row: 23 } } });
  });

  it('a valid structured CloudEvent reaches handle as the event (its body read once, handed on intact)', async () => {
    const message = validStructured();
    const got = await echo('/', { method: 'POST', headers: message.headers, body: message.body });
    expect(got.cloudevent).toEqual({ id: 'valid-1', type: 'io.example.test', source: '/test', specversion: '1.0', data: { row: 23 } });
  });

  it('a structured CloudEvent over the body limit → 413, before it is parsed', async () => {
    const big = new CloudEvent({ id: 'big', type: 'io.example.test', source: '/test', data: { pad: 'x'.repeat(BODY_LIMIT) } });
    const message = HTTP.structured(big);
    const res = await fetch(`${fn.url}/`, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'body_too_large', retryable: false } });
  });
});
