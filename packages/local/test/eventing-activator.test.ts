// The activator stand-in (knative/serving's activator + scale to zero): requests that arrive while no
// instance runs are held until one is ready, then proxied; the instance is stopped after the idle period
// and started again by the next request.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Activator, type Instance } from '../src/eventing/index.ts';
import { waitUntil } from './eventing-helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A "function" that takes `bootMs` to become ready, echoing which instance answered. */
function fakeFunction(bootMs: number): { start: () => Promise<Instance>; running: () => number; started: () => number } {
  let running = 0;
  let started = 0;
  return {
    running: () => running,
    started: () => started,
    start: async () => {
      await new Promise((r) => setTimeout(r, bootMs));
      const n = ++started;
      const server: Server = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain', 'x-instance': String(n) }).end(`${req.method} ${req.url}`));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      running++;
      let resolveExit!: () => void;
      const exited = new Promise<void>((r) => (resolveExit = r));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        exited,
        stop: async () => {
          server.closeAllConnections();
          await new Promise((r) => server.close(r));
          running--;
          resolveExit();
        },
      };
    },
  };
}

describe('activator stand-in', () => {
  it('holds requests while the first instance starts, starts it once, then proxies them', async () => {
    const fn = fakeFunction(400);
    const activator = await Activator.start({ name: 'fn', start: fn.start, idleMs: 60_000 });
    cleanup.push(() => activator.close());
    expect(activator.running).toBe(false);
    const answers = await Promise.all([1, 2, 3].map((i) => fetch(`${activator.url}/p${i}`, { method: 'POST', body: 'x' }).then(async (r) => [r.status, await r.text(), r.headers.get('x-instance')])));
    expect(answers).toEqual([
      [200, 'POST /p1', '1'],
      [200, 'POST /p2', '1'],
      [200, 'POST /p3', '1'],
    ]);
    expect(fn.started()).toBe(1);
    expect(activator.count('starting')).toBe(1);
    const held = activator.records.filter((r) => r.kind === 'request').map((r) => (r.kind === 'request' ? r.heldMs : 0));
    expect(Math.min(...held)).toBeGreaterThanOrEqual(350);
    expect(activator.invocations).toBe(3);
  });

  it('scales to zero after the idle period and starts again on the next request', async () => {
    const fn = fakeFunction(50);
    const activator = await Activator.start({ name: 'fn', start: fn.start, idleMs: 300 });
    cleanup.push(() => activator.close());
    expect((await fetch(activator.url)).headers.get('x-instance')).toBe('1');
    await new Promise((r) => setTimeout(r, 150));
    expect((await fetch(activator.url)).headers.get('x-instance')).toBe('1'); // within the idle period: warm
    expect(fn.running()).toBe(1);
    await waitUntil(() => activator.count('stopped') === 1, 3000, 'scale to zero');
    expect(fn.running()).toBe(0);
    expect(activator.running).toBe(false);
    const warmHeld = activator.records.filter((r) => r.kind === 'request').map((r) => (r.kind === 'request' ? r.heldMs : 0));
    expect(warmHeld[1]!).toBeLessThan(40);
    expect((await fetch(activator.url)).headers.get('x-instance')).toBe('2');
    expect(fn.started()).toBe(2);
  });

  it('does not stop an instance while a request is in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = createServer((req, res) => void gate.then(() => res.writeHead(200).end('late')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    let stops = 0;
    const activator = await Activator.start({
      name: 'slow',
      idleMs: 100,
      start: async () => ({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop: async () => void stops++ }),
    });
    cleanup.push(async () => {
      await activator.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    const pending = fetch(activator.url).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 400));
    expect(stops).toBe(0);
    release();
    expect(await pending).toBe('late');
    await waitUntil(() => stops === 1, 2000, 'the stop after the request');
  });

  it('answers 503 when the instance cannot start, and tries again on the next request', async () => {
    let calls = 0;
    const fn = fakeFunction(10);
    const activator = await Activator.start({
      name: 'broken',
      start: () => (++calls === 1 ? Promise.reject(new Error('init failed: model missing')) : fn.start()),
    });
    cleanup.push(() => activator.close());
    const first = await fetch(activator.url);
    expect(first.status).toBe(503);
    expect(await first.text()).toMatch(/init failed/);
    expect((await fetch(activator.url)).status).toBe(200);
    expect(activator.invocations).toBe(1);
  });

  it('starts a new instance when the previous one exited by itself', async () => {
    const fn = fakeFunction(10);
    let last: Instance | undefined;
    const activator = await Activator.start({ name: 'fn', start: async () => (last = await fn.start()) });
    cleanup.push(() => activator.close());
    await fetch(activator.url);
    await last!.stop(); // crash
    await waitUntil(() => activator.count('stopped') === 1, 2000, 'the exit to be seen');
    expect((await fetch(activator.url)).headers.get('x-instance')).toBe('2');
  });
});
