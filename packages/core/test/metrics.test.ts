// core's metrics: the registry's get-or-create, the exposition join, and the scrape endpoint's
// handling of what the runtime answers (the real runtime is scraped in test/runtime/*.test.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { appendExposition, counter, gauge, registry } from '../src/metrics/index.ts';
import { serveMetrics } from '../src/runtime/metrics-endpoint.ts';

describe('registry', () => {
  it('hands out the metric already registered under a name, and refuses it as another type', () => {
    const first = counter({ name: 'bucketml_test_things_total', help: 'things' });
    expect(counter({ name: 'bucketml_test_things_total', help: 'things' })).toBe(first);
    expect(() => gauge({ name: 'bucketml_test_things_total', help: 'things' })).toThrow(/another type/);
    registry.removeSingleMetric('bucketml_test_things_total');
  });
});

describe('appendExposition', () => {
  it('puts the second text after the first, on a line of its own', () => {
    expect(appendExposition('a 1\n', 'b 2\n')).toBe('a 1\nb 2\n');
    expect(appendExposition('a 1', 'b 2\n')).toBe('a 1\nb 2\n');
    expect(appendExposition('', 'b 2\n')).toBe('b 2\n');
    expect(appendExposition('a 1\n', '')).toBe('a 1\n');
  });
});

describe('serveMetrics', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(runtime: (req: IncomingMessage, res: ServerResponse) => void, ours: () => Promise<string>): Promise<{ url: string; failures: unknown[] }> {
    const failures: unknown[] = [];
    server = createServer((req, res) =>
      serveMetrics(req, res, runtime, ours, (error) => {
        failures.push(error);
        res.writeHead(500).end();
      }),
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, failures };
  }

  it('sends the runtime text and ours as one answer, with its length and the text format type', async () => {
    const { url } = await serve((_, res) => {
      res.setHeader('x-runtime', 'yes');
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '9', '0': 'C' });
      res.write('faas 1\n');
      res.end(null);
    }, async () => 'bucketml 2\n');
    const res = await fetch(url);
    expect(await res.text()).toBe('faas 1\nbucketml 2\n');
    expect(res.headers.get('content-length')).toBe('18');
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.get('x-runtime')).toBe('yes');
    expect(res.headers.get('0')).toBeNull();
  });

  it('passes a failing runtime answer on unchanged', async () => {
    const { url } = await serve((_, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"oops":true}');
    }, async () => 'bucketml 2\n');
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"oops":true}');
  });

  it('fails the scrape when our registry cannot render, instead of hiding it', async () => {
    let called = false;
    const { url, failures } = await serve(() => (called = true), () => Promise.reject(new Error('collect failed')));
    expect((await fetch(url)).status).toBe(500);
    expect(failures).toHaveLength(1);
    expect(called).toBe(false);
  });
});
