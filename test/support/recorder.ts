import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Status the forward target answered (when forwarding), else the recorder's own. */
  status: number;
  responseBody?: string;
}

/**
 * An HTTP endpoint for RGW to push to: records each delivery and, when given a target, forwards it
 * there unchanged and answers with the target's status (so RGW sees what the function said).
 */
export async function startRecorder(forwardTo?: string): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const record: Delivery = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, status: 200 };
      if (!forwardTo) {
        deliveries.push(record);
        res.writeHead(200).end();
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      fetch(forwardTo, { method: req.method ?? 'POST', headers, body })
        .then(async (r) => {
          record.status = r.status;
          record.responseBody = await r.text();
        })
        .catch((e: unknown) => {
          record.status = 599;
          record.responseBody = String(e);
        })
        .finally(() => {
          deliveries.push(record);
          res.writeHead(record.status).end(record.responseBody);
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    deliveries,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
