/**
 * A stand-in for eventing-ceph's receive adapter (knative-extensions/eventing-ceph pkg/adapter/adapter.go):
 * the HTTP endpoint RGW's topic pushes to. `POST` on any path; the body is `{"Records":[…]}`; each record
 * becomes one CloudEvent (ceph-notification.ts) sent, in binary mode, to the sink, one after the other.
 * Anything that goes wrong — a body Go cannot unmarshal, an event the SDK refuses, a sink that does not
 * answer 2xx (sdk-go protocol/http: a non-2xx answer is a NACK) — answers 400 with the error, and the
 * records after it are abandoned (the loop returns). Other methods: 400 "405 Method Not Allowed" with
 * `Allow: POST`. Success: 200, empty body. The adapter sends each event once (it has no retry of its own):
 * RGW's persistent topic retries the whole request.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { InvalidEvent, toBinary, validate, type Event } from './cloudevent.js';
import { cephSourceEvent, decodeNotifications, GoJsonError, type BucketNotification } from './ceph-notification.js';
import { close, listen, post, readBody } from './http.js';

export interface CephSourceAdapterOptions {
  /** K_SINK: where the events go (the Broker's ingress URL). */
  sink: string;
  port?: number;
  /** Per send; the sdk-go client's default is no timeout. */
  timeoutMs?: number;
}

export type AdapterRecord =
  | { kind: 'request'; path: string; body: string; records: number; status: number; error?: string }
  | { kind: 'sent'; event: Event; status: number }
  | { kind: 'send-failed'; event: Event; status?: number; error: string };

export class CephSourceAdapter extends EventEmitter {
  readonly records: AdapterRecord[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly options: CephSourceAdapterOptions,
  ) {
    super();
  }

  static async start(options: CephSourceAdapterOptions): Promise<CephSourceAdapter> {
    const server = http.createServer();
    const adapter = new CephSourceAdapter(server, await listen(server, options.port), options);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void adapter.handle(req, res));
    return adapter;
  }

  count(kind: AdapterRecord['kind']): number {
    return this.records.filter((r) => r.kind === kind).length;
  }

  close(): Promise<void> {
    return close(this.server);
  }

  private record(r: AdapterRecord): void {
    this.records.push(r);
    this.emit('record', r);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('Allow', 'POST');
    const path = req.url ?? '/';
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (e) {
      return this.fail(res, path, '', 0, (e as Error).message);
    }
    const text = body.toString('utf8');
    if (req.method !== 'POST') return this.fail(res, path, text, 0, '405 Method Not Allowed');
    let notifications: BucketNotification[];
    try {
      notifications = decodeNotifications(text);
    } catch (e) {
      if (e instanceof GoJsonError) return this.fail(res, path, text, 0, e.message);
      throw e;
    }
    for (const n of notifications) {
      const error = await this.send(cephSourceEvent(n));
      if (error) return this.fail(res, path, text, notifications.length, error);
    }
    this.record({ kind: 'request', path, body: text, records: notifications.length, status: 200 });
    res.writeHead(200).end();
  }

  /** undefined when the sink acknowledged the event, else the error the adapter answers with. */
  private async send(event: Event): Promise<string | undefined> {
    try {
      validate(event);
    } catch (e) {
      if (!(e instanceof InvalidEvent)) throw e;
      this.record({ kind: 'send-failed', event, error: e.message });
      return e.message;
    }
    const { headers, body } = toBinary(event);
    const result = await post(this.options.sink, headers, body, this.options.timeoutMs);
    if (result.answer && result.answer.status >= 200 && result.answer.status < 300) {
      this.record({ kind: 'sent', event, status: result.answer.status });
      return undefined;
    }
    const error = result.answer ? `${result.answer.status}: ${result.answer.body.toString('utf8').slice(0, 200)}` : result.error;
    this.record({ kind: 'send-failed', event, ...(result.answer ? { status: result.answer.status } : {}), error });
    return error;
  }

  private fail(res: http.ServerResponse, path: string, body: string, records: number, error: string): void {
    this.record({ kind: 'request', path, body, records, status: 400, error });
    // Go's http.Error: text/plain, the message and a newline
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end(`${error}\n`);
  }
}
