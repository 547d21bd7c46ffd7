// Scripted HTTP endpoints and manifest objects for the eventing stand-in tests.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ManifestObject } from '../src/eventing/index.ts';

export interface Hit {
  at: number;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  delayMs?: number;
}

/** A subscriber whose answers a test scripts: `answer(hit, n)` with n = 1 for the first request. */
export async function scripted(answer: (hit: Hit, n: number) => Answer): Promise<{ url: string; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit: Hit = { at: performance.now(), url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      hits.push(hit);
      const a = answer(hit, hits.length);
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '');
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export const NS = 'bucket-ml';

export function brokerObject(delivery?: Record<string, unknown>): ManifestObject {
  return {
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Broker',
    metadata: { name: 'bucket-ml', namespace: NS, annotations: { 'eventing.knative.dev/broker.class': 'MTChannelBasedBroker' } },
    spec: delivery ? { delivery } : {},
  };
}

export function triggerObject(name: string, spec: { filter?: unknown; filters?: unknown[]; subscriber: string; delivery?: Record<string, unknown> }): ManifestObject {
  return {
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Trigger',
    metadata: { name, namespace: NS },
    spec: {
      broker: 'bucket-ml',
      ...(spec.filter ? { filter: spec.filter } : {}),
      ...(spec.filters ? { filters: spec.filters } : {}),
      subscriber: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: spec.subscriber } },
      ...(spec.delivery ? { delivery: spec.delivery } : {}),
    },
  };
}

export const DLS = { ref: { apiVersion: 'v1', kind: 'Service', name: 'dead-letters' } };

/** A binary-mode CloudEvent request. */
export function binaryEvent(attrs: Record<string, string>, data: unknown = { hello: 'world' }): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [k, v] of Object.entries({ specversion: '1.0', id: 'e-1', source: 'test', type: 'test.event', ...attrs })) headers[`ce-${k}`] = v;
  return { headers, body: JSON.stringify(data) };
}

export async function waitUntil(probe: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
