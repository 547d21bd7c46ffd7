/**
 * Pushes notification records like an RGW persistent topic: queued when the write that caused them has
 * answered, POSTed one record per request, retried with exponential backoff (and jitter) when the
 * endpoint is unreachable, times out or answers 5xx (also 408 and 429, which say "try later"), never
 * retried on any other 4xx (the receiver has refused it for good), and given up after `maxAgeMs`.
 * Every outcome is reported to `onEvent` (the server's log).
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { NotificationConfig } from './config.js';
import { cephSourceRequest, rgwBody, type RgwRecord } from './records.js';

export interface DispatcherOptions {
  /** First retry delay; doubles each attempt. Default 250 ms. */
  initialDelayMs?: number;
  /** Cap of the retry delay. Default 10 s. */
  maxDelayMs?: number;
  /** A record still undelivered this long after it was queued is dropped. Default 10 min. */
  maxAgeMs?: number;
  /** Also give up after this many attempts. Default: unlimited (bounded by maxAgeMs). */
  maxAttempts?: number;
  /** Per-attempt timeout (connect + response). Default 60 s: a cold function may take a while. */
  timeoutMs?: number;
  /** Records in flight at once, over all endpoints. Default 4. */
  concurrency?: number;
  onEvent?: (event: DeliveryEvent) => void;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'rejected' | 'dropped';

export interface DeliveryEvent {
  outcome: DeliveryOutcome;
  id: number;
  configurationId: string;
  endpoint: string;
  format: 'rgw' | 'cephsource';
  bucket: string;
  key: string;
  eventName: string;
  attempt: number;
  /** HTTP status of the attempt, if there was a response. */
  status?: number;
  /** Connection error or timeout, if there was no response. */
  error?: string;
  /** First bytes of the response body (the receiver's explanation of a refusal). */
  responseBody?: string;
  ms: number;
  /** For `retrying`: delay before the next attempt. */
  retryInMs?: number;
}

interface Job {
  id: number;
  config: NotificationConfig;
  record: RgwRecord;
  queuedAt: number;
  attempt: number;
  timer?: NodeJS.Timeout;
}

export interface Attempt {
  status?: number;
  error?: string;
  body?: string;
}

export class NotificationDispatcher extends EventEmitter {
  private readonly queue: Job[] = [];
  private readonly waiting = new Set<Job>();
  private readonly inFlight = new Set<http.ClientRequest>();
  private running = 0;
  private nextId = 0;
  private closed = false;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private idleWaiters: Array<() => void> = [];
  readonly counts: Record<DeliveryOutcome, number> = { delivered: 0, retrying: 0, rejected: 0, dropped: 0 };
  private readonly opts: Required<Omit<DispatcherOptions, 'onEvent'>> & Pick<DispatcherOptions, 'onEvent'>;

  constructor(options: DispatcherOptions = {}) {
    super();
    this.opts = {
      initialDelayMs: options.initialDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      maxAgeMs: options.maxAgeMs ?? 10 * 60_000,
      maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
      timeoutMs: options.timeoutMs ?? 60_000,
      concurrency: options.concurrency ?? 4,
      onEvent: options.onEvent,
    };
  }

  enqueue(config: NotificationConfig, record: RgwRecord): void {
    if (this.closed) return;
    this.queue.push({ id: ++this.nextId, config, record, queuedAt: Date.now(), attempt: 0 });
    this.pump();
  }

  /** Records queued, waiting for a retry, or being sent. */
  get pending(): number {
    return this.queue.length + this.waiting.size + this.running;
  }

  /** Resolves once nothing is queued, waiting or in flight. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops: pending retries are dropped (and reported), requests in flight aborted. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting) {
      clearTimeout(job.timer);
      this.report(job, 'dropped', { error: 'server shutting down' }, 0);
    }
    this.waiting.clear();
    for (const job of this.queue.splice(0)) this.report(job, 'dropped', { error: 'server shutting down' }, 0);
    for (const req of this.inFlight) req.destroy(new Error('server shutting down'));
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.checkIdle();
  }

  private pump(): void {
    while (!this.closed && this.running < this.opts.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.attempt(job).finally(() => {
        this.running--;
        this.pump();
        this.checkIdle();
      });
    }
  }

  private checkIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async attempt(job: Job): Promise<void> {
    job.attempt++;
    const started = Date.now();
    const result = await this.send(job);
    const ms = Date.now() - started;
    if (this.closed) {
      this.report(job, 'dropped', { ...result, error: result.error ?? 'server shutting down' }, ms);
      return;
    }
    const status = result.status;
    if (status !== undefined && status >= 200 && status < 300) {
      this.report(job, 'delivered', result, ms);
      return;
    }
    const retryable = status === undefined || status >= 500 || status === 408 || status === 429;
    if (!retryable) {
      this.report(job, 'rejected', result, ms);
      return;
    }
    const delay = Math.min(this.opts.maxDelayMs, this.opts.initialDelayMs * 2 ** (job.attempt - 1)) * (0.8 + Math.random() * 0.4);
    if (job.attempt >= this.opts.maxAttempts || Date.now() + delay - job.queuedAt > this.opts.maxAgeMs) {
      this.report(job, 'dropped', result, ms);
      return;
    }
    this.report(job, 'retrying', result, ms, Math.round(delay));
    this.waiting.add(job);
    job.timer = setTimeout(() => {
      this.waiting.delete(job);
      this.queue.push(job);
      this.pump();
    }, delay);
  }

  private send(job: Job): Promise<Attempt> {
    const url = new URL(job.config.endpoint);
    const format = job.config.format ?? 'rgw';
    const { headers, body } =
      format === 'cephsource'
        ? cephSourceRequest(job.record)
        : // what RGW's libcurl sends besides Host and Content-Length
          { headers: { accept: '*/*', 'content-type': 'application/json' }, body: rgwBody(job.record) };
    const payload = Buffer.from(body, 'utf8');
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<Attempt>((resolve) => {
      const req = lib.request(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(payload.length) },
        agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        timeout: this.opts.timeoutMs,
      });
      this.inFlight.add(req);
      const done = (attempt: Attempt): void => {
        this.inFlight.delete(req);
        resolve(attempt);
      };
      req.on('timeout', () => req.destroy(new Error(`no response within ${this.opts.timeoutMs} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ? `${e.code}: ${e.message}` : e.message }));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 4096) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, 4096).toString('utf8') }));
        res.on('error', (e) => done({ status: res.statusCode ?? 0, error: e.message }));
      });
      req.end(payload);
    });
  }

  private report(job: Job, outcome: DeliveryOutcome, result: Attempt, ms: number, retryInMs?: number): void {
    this.counts[outcome]++;
    const event: DeliveryEvent = {
      outcome,
      id: job.id,
      configurationId: job.config.id,
      endpoint: job.config.endpoint,
      format: job.config.format ?? 'rgw',
      bucket: job.record.s3.bucket.name,
      key: job.record.s3.object.key,
      eventName: job.record.eventName,
      attempt: job.attempt,
      ...(result.status !== undefined ? { status: result.status } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
      ...(result.body ? { responseBody: result.body } : {}),
      ms,
      ...(retryInMs !== undefined ? { retryInMs } : {}),
    };
    this.opts.onEvent?.(event);
    this.emit('delivery', event);
  }
}
