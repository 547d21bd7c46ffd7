/**
 * Scale to zero for one local function, as Knative Serving does it (knative/serving): while no instance
 * runs, requests go to the activator, which holds them (pkg/activator/handler/handler.go with
 * pkg/activator/net/throttler.go: a request waits for capacity, i.e. a ready pod) while the autoscaler
 * starts one, then proxies them; after the last request the revision scales back to zero once the idle
 * period has passed (config-autoscaler `stable-window` 60 s + `scale-to-zero-grace-period` 30 s by
 * default; configurable here). Readiness is the function's own probe (its start callback resolves
 * once ready). An instance that exits on its own is started again by the next request. When it cannot
 * start, held requests get 503 (the activator's answer when no capacity comes).
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { close, listen, readBody } from './http.js';

/** A running, ready instance of the function. */
export interface Instance {
  url: string;
  stop(): Promise<unknown>;
  /** Settles when the process ends by itself. */
  exited?: Promise<unknown>;
}

export interface ActivatorOptions {
  name: string;
  /** Starts an instance and resolves once it is ready (its readiness probe answered 200). */
  start: () => Promise<Instance>;
  /** Stop the instance this long after the last request ended. Default 90 s (Knative's defaults). */
  idleMs?: number;
  port?: number;
}

export type ActivatorRecord =
  | { kind: 'starting' }
  | { kind: 'ready'; ms: number }
  | { kind: 'start-failed'; error: string }
  | { kind: 'request'; path: string; status: number; heldMs: number; ms: number; proxied: boolean }
  | { kind: 'stopped'; reason: 'idle' | 'exited' | 'closed' };

export class Activator extends EventEmitter {
  readonly records: ActivatorRecord[] = [];
  private instance: Instance | undefined;
  private starting: Promise<Instance> | undefined;
  private active = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly options: ActivatorOptions,
  ) {
    super();
  }

  static async start(options: ActivatorOptions): Promise<Activator> {
    const server = http.createServer();
    const activator = new Activator(server, await listen(server, options.port), options);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void activator.handle(req, res));
    return activator;
  }

  /** Whether an instance is running (scaled to one). */
  get running(): boolean {
    return this.instance !== undefined;
  }

  count(kind: ActivatorRecord['kind']): number {
    return this.records.filter((r) => r.kind === kind).length;
  }

  /** Requests that reached the function. */
  get invocations(): number {
    return this.records.filter((r) => r.kind === 'request' && r.proxied).length;
  }

  /** Stops the instance now (as if the idle period had passed). */
  async scaleToZero(reason: 'idle' | 'closed' = 'idle'): Promise<void> {
    clearTimeout(this.idleTimer);
    const current = this.instance ?? (await this.starting?.catch(() => undefined));
    this.instance = undefined;
    this.starting = undefined;
    if (!current) return;
    await current.stop();
    this.record({ kind: 'stopped', reason });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.scaleToZero('closed');
    await close(this.server);
  }

  private record(r: ActivatorRecord): void {
    this.records.push(r);
    this.emit('record', r);
  }

  private ensureInstance(): Promise<Instance> {
    if (this.instance) return Promise.resolve(this.instance);
    if (!this.starting) {
      const t0 = performance.now();
      this.record({ kind: 'starting' });
      const starting = this.options.start().then(
        (instance) => {
          if (this.starting !== starting) {
            void instance.stop();
            throw new Error('scaled to zero while starting');
          }
          this.instance = instance;
          this.starting = undefined;
          this.record({ kind: 'ready', ms: Math.round(performance.now() - t0) });
          void instance.exited?.then(() => {
            if (this.instance !== instance) return;
            this.instance = undefined;
            this.record({ kind: 'stopped', reason: 'exited' });
          });
          return instance;
        },
        (e: unknown) => {
          if (this.starting === starting) this.starting = undefined;
          this.record({ kind: 'start-failed', error: e instanceof Error ? e.message : String(e) });
          throw e;
        },
      );
      this.starting = starting;
    }
    return this.starting;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = performance.now();
    const path = req.url ?? '/';
    this.active++;
    clearTimeout(this.idleTimer);
    try {
      const body = await readBody(req);
      let instance: Instance;
      try {
        instance = await this.ensureInstance();
      } catch (e) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end(`${this.options.name} could not start: ${(e as Error).message}\n`);
        this.record({ kind: 'request', path, status: 503, heldMs: Math.round(performance.now() - t0), ms: Math.round(performance.now() - t0), proxied: false });
        return;
      }
      const heldMs = Math.round(performance.now() - t0);
      const status = await proxy(instance.url, req, body, res);
      this.record({ kind: 'request', path, status, heldMs, ms: Math.round(performance.now() - t0), proxied: true });
    } finally {
      this.active--;
      if (this.active === 0 && !this.closed) {
        this.idleTimer = setTimeout(() => void this.scaleToZero('idle'), this.options.idleMs ?? 90_000);
      }
    }
  }
}

/** Forwards one request and streams the answer back; 502 when the instance drops it. */
function proxy(base: string, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<number> {
  return new Promise((resolve) => {
    const headers = { ...req.headers, 'content-length': String(body.length) };
    delete headers.host;
    delete headers['transfer-encoding'];
    const out = http.request(new URL(req.url ?? '/', base), { method: req.method, headers, agent: false });
    out.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => resolve(answer.statusCode ?? 502));
      answer.on('error', () => resolve(answer.statusCode ?? 502));
    });
    out.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`${e.message}\n`);
      else res.destroy();
      resolve(502);
    });
    // the caller hung up (e.g. the Broker's timeout): stop waiting for the instance too
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    out.end(body);
  });
}
