import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { S3Server, type S3ServerOptions } from '../src/s3-server/index.ts';

export const CREDENTIALS = { accessKeyId: 'test-key', secretAccessKey: 'test-secret' };

export async function startServer(options: Partial<S3ServerOptions> = {}): Promise<S3Server> {
  return S3Server.start({ credentials: CREDENTIALS, ...options });
}

/** The real AWS SDK v3 client; `checksums: 'default'` leaves the SDK's own (aws-chunked, trailers). */
export function client(server: S3Server, checksums: 'default' | 'WHEN_REQUIRED' = 'default', credentials = CREDENTIALS): S3Client {
  return new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
    ...(checksums === 'WHEN_REQUIRED' ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  at: number;
}

/** An HTTP endpoint for notifications: records every request and answers what `respond` says. */
export async function startReceiver(respond: (r: Received, n: number) => number | Promise<number> = () => 200) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(r);
      void Promise.resolve(respond(r, received.length)).then((status) => res.writeHead(status, { 'content-type': 'application/json' }).end(status >= 300 ? '{"error":"no"}' : '{}'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/push`,
    port,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What an SDK call failed with (name, HTTP status, message); throws if it succeeded. */
export async function failure(promise: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, ...(err.$metadata?.httpStatusCode ? { status: err.$metadata.httpStatusCode } : {}) };
  }
  throw new Error('expected the request to fail');
}

/** Every path of an object's keys and the JSON type at each path: `s3.object.size:number`. */
export function shape(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [`${prefix}:array`, ...(value.length > 0 ? shape(value[0], `${prefix}[]`) : [])];
  if (value !== null && typeof value === 'object') {
    return [`${prefix}:object`, ...Object.entries(value).flatMap(([k, v]) => shape(v, prefix ? `${prefix}.${k}` : k))].filter((p) => p !== ':object');
  }
  return [`${prefix}:${value === null ? 'null' : typeof value}`];
}
