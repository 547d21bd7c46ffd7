// The pure parts of the server entry: where a request goes, what a malformed CloudEvent is, and the
// command line read as faas-js-runtime's CLI reads it. (The entry itself, as a process: test/runtime.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudEvent, HTTP } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';
import { frontListener } from '../src/runtime/front.ts';
import { requestPath, REQUEST_PATH_HEADER } from '../src/index.ts';
import { cloudEventProblems, deliveryMode } from '../src/runtime/cloudevent-check.ts';
import { parseCommandLine, runtimePaths } from '../src/runtime/options.ts';
import { routeRequest, splitTarget } from '../src/runtime/target.ts';

const own = new Set(['/health/liveness', '/health/readiness', '/metrics']);
const defaults = { LOG_LEVEL: 'warn', PORT: 8080, INCLUDE_RAW: false, BODY_LIMIT: 1048576 };

describe('routeRequest', () => {
  it('hands every path to the function on `/`, keeping the query', () => {
    expect(routeRequest('POST', '/v2/models/mlp/infer?x=1&y=2', own)).toEqual({ to: 'function', path: '/v2/models/mlp/infer', url: '/?x=1&y=2' });
    expect(routeRequest('GET', '/', own)).toEqual({ to: 'function', path: '/', url: '/' });
    expect(routeRequest('GET', '/line/23', own)).toEqual({ to: 'function', path: '/line/23', url: '/' });
  });

  it('leaves the runtime its own paths, with or without a query', () => {
    for (const target of ['/health/liveness', '/health/readiness', '/metrics', '/metrics?name=x']) expect(routeRequest('GET', target, own)).toEqual({ to: 'runtime', path: target.split('?')[0] });
    expect(routeRequest('GET', '/health/liveness/more', own).to).toBe('function');
  });

  it('refuses methods the runtime does not route', () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) expect(routeRequest(method, '/x', own)).toEqual({ to: 'method-not-allowed' });
    for (const method of ['GET', 'HEAD', 'POST', 'OPTIONS']) expect(routeRequest(method, '/x', own).to).toBe('function');
  });

  it('reads absolute-form targets (sent through proxies)', () => {
    expect(splitTarget('http://fn.example/a/b?c=d')).toEqual({ path: '/a/b', search: '?c=d' });
  });
});

describe('requestPath', () => {
  it('is the header the entry sets, else `/`', () => {
    expect(requestPath({ headers: { [REQUEST_PATH_HEADER]: '/v2/models/mlp/infer' } })).toBe('/v2/models/mlp/infer');
    expect(requestPath({ headers: {} })).toBe('/');
    expect(requestPath({})).toBe('/');
    expect(requestPath({ headers: { [REQUEST_PATH_HEADER]: ['/a', '/b'] } })).toBe('/');
  });
});

describe('cloudEventProblems', () => {
  const event = new CloudEvent({ id: '1', type: 'io.example.t', source: '/s', data: { a: 1 } });
  const lower = (h: object) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v)]));

  it('accepts what the SDK sends, in both modes', () => {
    const binary = HTTP.binary(event);
    expect(deliveryMode(lower(binary.headers))).toBe('binary');
    expect(cloudEventProblems('binary', lower(binary.headers))).toBeUndefined();
    const structured = HTTP.structured(event);
    expect(deliveryMode(lower(structured.headers))).toBe('structured');
    expect(cloudEventProblems('structured', lower(structured.headers), structured.body as string)).toBeUndefined();
  });

  it('accepts the request Ceph RGW 18 really sends (nanosecond ce-time, ceph: source)', () => {
    const headers = { 'ce-specversion': '1.0', 'ce-type': 'com.amazonaws.ObjectCreated:Put', 'ce-time': '2026-11-29T12:17:54.809557623Z', 'ce-id': 'x.1008-default-default', 'ce-source': 'ceph:s3.default.bkt-ce', 'ce-subject': 'dir/ce object.txt', 'content-type': 'application/json' };
    expect(cloudEventProblems('binary', headers)).toBeUndefined();
  });

  it('is not concerned with plain HTTP', () => {
    expect(deliveryMode({ 'content-type': 'application/json' })).toBeUndefined();
    expect(deliveryMode({ 'ce-type': 'x' })).toBeUndefined();
  });

  it('names every missing required attribute at once', () => {
    expect(cloudEventProblems('binary', { 'ce-specversion': '1.0' })).toBe('binary-mode CloudEvent without ce-id, ce-source, ce-type (CloudEvents 1.0 requires ce-specversion, ce-id, ce-source, ce-type)');
    expect(cloudEventProblems('structured', {}, '{"id":"1","type":""}')).toMatch(/^structured-mode CloudEvent without "specversion", "source", "type"/);
  });

  it('reports what the SDK rejects, readably', () => {
    expect(cloudEventProblems('structured', { 'content-type': 'application/cloudevents+json' }, JSON.stringify({ specversion: '1.0', id: '1', type: 't', source: 'not a uri' }))).toBe(
      'invalid structured-mode CloudEvent: source must match format "uri-reference"',
    );
    expect(cloudEventProblems('binary', { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't', 'ce-source': '/s', 'ce-Bad_Name': 'x' })).toMatch(/invalid attribute name/);
  });
});

describe('parseCommandLine', () => {
  it('takes variables over flags over defaults, as bin/cli.js does', () => {
    expect(parseCommandLine(['./build/index.js'], {}, defaults)).toEqual({ file: './build/index.js', options: { logLevel: 'warn', port: 8080, includeRaw: false, bodyLimit: 1048576 } });
    const flags = ['--port', '9000', '--log-level', 'info', '--include-raw', '--bodyLimit', '10', 'fn.js'];
    expect(parseCommandLine(flags, {}, defaults).options).toEqual({ logLevel: 'info', port: '9000', includeRaw: true, bodyLimit: '10' });
    const env = { FUNC_PORT: '7000', FUNC_LOG_LEVEL: 'debug', FUNC_INCLUDE_RAW: 'x', FUNC_BODY_LIMIT: '20' };
    expect(parseCommandLine(flags, env, defaults).options).toEqual({ logLevel: 'debug', port: '7000', includeRaw: true, bodyLimit: '20' });
  });

  it('refuses what the CLI refuses, with its usage', () => {
    expect(() => parseCommandLine([], {}, defaults)).toThrow(/usage: serve/);
    expect(() => parseCommandLine(['--nope', 'fn.js'], {}, defaults)).toThrow(/usage: serve/);
  });
});

describe('runtimePaths', () => {
  it('follows the handlers\' own path, then LIVENESS_URL/READINESS_URL/METRICS_URL, then the defaults', () => {
    expect(runtimePaths({}, {})).toEqual(own);
    expect(runtimePaths({ liveness: { path: '/alive' } }, { READINESS_URL: '/ready', METRICS_URL: '/m' })).toEqual(new Set(['/alive', '/ready', '/m']));
  });
});

describe('frontListener', () => {
  async function serve(runtime: Parameters<typeof frontListener>[0], lines: string[]): Promise<{ server: Server; url: string }> {
    const server = createServer(frontListener(runtime, { runtimePaths: own, bodyLimit: 1024, log: createLogger({}, { sink: (l) => lines.push(l) }) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it('answers 500 (and logs) when the runtime behind it throws, instead of an uncaught exception that stops the process', async () => {
    const lines: string[] = [];
    const { server, url } = await serve(() => {
      throw new Error('runtime broke');
    }, lines);
    try {
      for (const init of [{}, { method: 'POST', headers: HTTP.structured(new CloudEvent({ type: 't', source: '/s' })).headers as Record<string, string>, body: '{"specversion":"1.0","id":"1","type":"t","source":"/s"}' }]) {
        const res = await fetch(`${url}/x`, init);
        expect(res.status).toBe(500);
        expect(await res.json()).toMatchObject({ error: { code: 'internal', retryable: true } });
      }
      expect(lines.filter((l) => l.includes('runtime broke'))).toHaveLength(2);
    } finally {
      server.close();
    }
  });
});
