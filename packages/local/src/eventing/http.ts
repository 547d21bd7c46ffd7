/** The HTTP plumbing the stand-ins share: one POST with a per-attempt timeout, and reading request bodies. */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An answer, or why there was none (refused, reset, timed out): Knative retries "no response". */
export type PostResult = { answer: HttpAnswer; error?: undefined; timedOut?: undefined } | { answer?: undefined; error: string; timedOut: boolean };

/** POSTs once. `timeoutMs` bounds the whole exchange, like Go's http.Client Timeout. */
export function post(url: string, headers: Record<string, string>, body: Buffer, timeoutMs?: number): Promise<PostResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PostResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, agent: false });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      req.destroy();
      done({ error: `timed out after ${timeoutMs} ms (Client.Timeout exceeded while awaiting headers)`, timedOut: true });
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ? `${e.code}: ${e.message}` : e.message, timedOut: false }));
    req.on('response', (res) => {
      readBody(res).then(
        (b) => done({ answer: { status: res.statusCode ?? 0, headers: res.headers, body: b } }),
        (e: Error) => done({ error: `reading the response: ${e.message}`, timedOut: false }),
      );
    });
    req.end(body);
  });
}

export function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Listens on 127.0.0.1 (port 0 = any free one) and returns the base URL. */
export async function listen(server: http.Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
