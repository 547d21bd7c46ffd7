/**
 * A stand-in for Knative's default MTChannelBasedBroker (ingress → in-memory channel → broker filter →
 * subscriber), for tests and the local run; never shipped in a function. One process plays all three:
 *
 * - Ingress (knative/eventing pkg/broker/ingress/ingress_handler.go): `POST /<namespace>/<broker>` with a
 *   binary or structured CloudEvent; OPTIONS answers the webhook handshake; other methods 405; `/` 404, a
 *   malformed path 400, an unknown Broker 404, an event that does not parse or validate 400. The TTL
 *   (pkg/broker/ttl.go TTLDefaulter, cmd/broker/ingress MAX_TTL=255): absent → 255, present → minus one;
 *   0 or less → 400, dropped. Accepted events get `knativearrivaltime` and a 202 (the channel's answer).
 * - Channel + filter, per Trigger (pkg/broker/filter/filter_handler.go): Triggers that do not match get
 *   nothing; matching ones get the event in binary mode (structured with `delivery.format: json`),
 *   without `knativebrokerttl`, with `Prefer: reply`. The answer is judged by reply.ts; failed attempts are
 *   retried per delivery.ts (SelectiveRetry, backoff, timeout); what is left goes to the dead-letter sink
 *   with dead-letter.ts's extensions, or is dropped when there is none.
 * - Replies: a CloudEvent reply gets the TTL back (filter_handler.go writeResponse SetTTL) and is sent to
 *   the ingress again (retried like a delivery; if it cannot be delivered, the ORIGINAL event is
 *   dead-lettered with the ingress as knativeerrordest — event_dispatcher.go send), so it meets every
 *   Trigger again, and the TTL ends loops.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { fromHttp, InvalidEvent, toBinary, toStructured, type Event } from './cloudevent.js';
import { backoffMs, isRetryable, isSuccess, type DeliverySpec } from './delivery.js';
import { knativeErrorExtensions, observedStatus, type FailedAttempt } from './dead-letter.js';
import { triggerSpecAccepts, type Semantics } from './filters.js';
import { close, listen, post, readBody, sleep, type HttpAnswer } from './http.js';
import { judgeReply } from './reply.js';
import { resolveDestination, topologyOf, type Addresses, type BrokerConfig, type ManifestObject, type TriggerConfig } from './topology.js';

export const TTL_EXTENSION = 'knativebrokerttl';
export const ARRIVAL_EXTENSION = 'knativearrivaltime';
/** cmd/broker/ingress/main.go: MAX_TTL default. */
export const DEFAULT_MAX_TTL = 255;

export interface BrokerOptions {
  /** The rendered overlay (Broker, Triggers …). */
  objects: readonly ManifestObject[];
  /** Which Broker of the overlay; default: the only one. */
  broker?: string;
  /** Local addresses of what Triggers and dead-letter sinks refer to (`Service/classify` → URL). */
  addresses: Addresses;
  port?: number;
  maxTtl?: number;
  semantics?: Semantics;
  /**
   * Called before each delivery attempt to a subscriber, awaited: lets a test make something fail at a
   * precise moment (e.g. stop the RGW) without touching the Broker's rules.
   */
  beforeAttempt?: (info: { trigger: string; attempt: number; event: Event }) => Promise<void> | void;
}

export type BrokerRecord =
  | { kind: 'accepted'; event: Event; reply: boolean }
  | { kind: 'rejected'; status: number; reason: string }
  | { kind: 'attempt'; trigger: string; id: string; type: string; subject?: string; attempt: number; status?: number; error?: string; verdict: 'ok' | 'retry' | 'final'; ms: number }
  | { kind: 'delivered'; trigger: string; id: string; attempts: number; reply?: Event }
  | { kind: 'dead-lettered'; trigger: string; id: string; attempts: number; event: Event; sink: string }
  | { kind: 'dropped'; trigger: string; id: string; attempts: number; reason: string };

interface ResolvedTrigger {
  config: TriggerConfig;
  subscriber: string;
  deadLetterSink?: string;
}

export class Broker extends EventEmitter {
  readonly records: BrokerRecord[] = [];
  /** Deliveries in progress (with their retries, replies and dead letters), by the event they carry. */
  private readonly inFlight = new Map<Promise<void>, Event>();
  private closed = false;

  private constructor(
    private readonly server: http.Server,
    /** Base URL of the ingress server. */
    readonly url: string,
    readonly config: BrokerConfig,
    private readonly triggers: ResolvedTrigger[],
    private readonly options: BrokerOptions,
  ) {
    super();
  }

  /** The Broker's address (status.address.url): where sources and replies send events. */
  get ingressUrl(): string {
    return `${this.url}/${this.config.namespace}/${this.config.name}`;
  }

  static async start(options: BrokerOptions): Promise<Broker> {
    const topology = topologyOf(options.objects);
    const candidates = topology.brokers.filter((b) => options.broker === undefined || b.name === options.broker);
    if (candidates.length !== 1) throw new Error(`expected one Broker${options.broker ? ` named ${options.broker}` : ''} in the overlay, found ${candidates.map((b) => b.name).join(', ') || 'none'}`);
    const config = candidates[0]!;
    if (config.brokerClass !== 'MTChannelBasedBroker') throw new Error(`Broker ${config.name}: class ${config.brokerClass} is not modelled (only MTChannelBasedBroker)`);
    const triggers = topology.triggers
      .filter((t) => t.broker === config.name && t.namespace === config.namespace)
      .map((t): ResolvedTrigger => {
        const where = `Trigger ${t.name}`;
        const subscriber = resolveDestination(t.subscriber, options.addresses, `${where} subscriber`);
        const dls = t.delivery.deadLetterSink;
        return { config: t, subscriber, ...(dls ? { deadLetterSink: resolveDestination(dls, options.addresses, `${where} deadLetterSink`) } : {}) };
      });
    const server = http.createServer();
    const broker = new Broker(server, await listen(server, options.port), config, triggers, options);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      broker.ingress(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(e));
      });
    });
    return broker;
  }

  /** How many records of a kind (optionally for one Trigger) so far. */
  count(kind: BrokerRecord['kind'], trigger?: string): number {
    return this.records.filter((r) => r.kind === kind && (trigger === undefined || ('trigger' in r && r.trigger === trigger))).length;
  }

  /** Resolves when no delivery (retries, reply, dead letter included) of a matching event is in progress. */
  async idle(match: (attributes: Record<string, string>) => boolean = () => true): Promise<void> {
    for (;;) {
      const pending = [...this.inFlight].filter(([, e]) => match(e.attributes)).map(([p]) => p);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await close(this.server);
  }

  private record(r: BrokerRecord): void {
    this.records.push(r);
    this.emit('record', r);
  }

  private async ingress(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('Allow', 'POST, OPTIONS');
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'WebHook-Allowed-Origin': '*', 'WebHook-Allowed-Rate': '*' }).end();
      return;
    }
    const body = await readBody(req);
    const reject = (status: number, reason: string): void => {
      this.record({ kind: 'rejected', status, reason });
      res.writeHead(status).end();
    };
    if (req.method !== 'POST') return reject(405, `method ${req.method}`);
    const uri = req.url ?? '/';
    if (uri === '/') return reject(404, 'no broker in the path');
    const parts = uri.replace(/\/$/, '').split('/');
    if (parts.length !== 3) return reject(400, `malformed path ${uri}`);
    if (parts[1] !== this.config.namespace || parts[2] !== this.config.name) return reject(404, `no Broker ${parts[1]}/${parts[2]}`);
    let event: Event;
    try {
      event = fromHttp(req.headers, body);
    } catch (e) {
      if (e instanceof InvalidEvent) return reject(400, e.message);
      throw e;
    }
    const ttl = this.defaultTtl(event.attributes[TTL_EXTENSION]);
    if (ttl <= 0) return reject(400, `TTL exhausted (event ${event.attributes.id})`);
    const accepted: Event = { ...event, attributes: { ...event.attributes, [ARRIVAL_EXTENSION]: new Date().toISOString(), [TTL_EXTENSION]: String(ttl) } };
    this.record({ kind: 'accepted', event: accepted, reply: req.headers['x-bucket-ml-broker-reply'] === '1' });
    res.writeHead(202).end();
    for (const t of this.triggers) {
      const work = this.dispatch(t, accepted).catch((e: unknown) =>
        this.record({ kind: 'dropped', trigger: t.config.name, id: accepted.attributes.id!, attempts: 0, reason: e instanceof Error ? e.message : String(e) }),
      );
      this.track(work, accepted);
    }
  }

  /** ttl.go TTLDefaulter: absent or unreadable → the maximum; otherwise one less, never below 0. */
  private defaultTtl(raw: string | undefined): number {
    const max = this.options.maxTtl ?? DEFAULT_MAX_TTL;
    if (raw === undefined || !/^-?\d+$/.test(raw.trim())) return max;
    return Math.max(0, Number(raw) - 1);
  }

  private track(work: Promise<void>, event: Event): void {
    const done = work.finally(() => this.inFlight.delete(done));
    this.inFlight.set(done, event);
  }

  private async dispatch(t: ResolvedTrigger, event: Event): Promise<void> {
    const attrs = { ...event.attributes };
    const ttl = attrs[TTL_EXTENSION]!;
    delete attrs[TTL_EXTENSION];
    if (!triggerSpecAccepts({ filter: t.config.filter, filters: t.config.filters }, attrs, this.options.semantics)) return;
    const name = t.config.name;
    const id = attrs.id!;
    const spec = t.config.delivery;
    const subject = attrs.subject !== undefined ? { subject: attrs.subject } : {};
    const outgoing: Event = { ...event, attributes: attrs };
    const { headers, body } = spec.format === 'json' ? toStructured(outgoing) : toBinary(outgoing);
    const requestHeaders = { ...headers, prefer: 'reply', 'kn-namespace': t.config.namespace };

    let last: FailedAttempt | undefined;
    let attempts = 0;
    for (;;) {
      attempts++;
      if (this.closed) return;
      await this.options.beforeAttempt?.({ trigger: name, attempt: attempts, event: outgoing });
      const started = performance.now();
      const result = await post(t.subscriber, requestHeaders, body, spec.timeout);
      const ms = Math.round(performance.now() - started);
      let reply: Event | undefined;
      if (result.answer && isSuccess(result.answer.status)) {
        const verdict = judgeReply(result.answer);
        if (verdict.kind !== 'bad-gateway') {
          reply = verdict.kind === 'event' ? verdict.event : undefined;
          this.record({ kind: 'attempt', trigger: name, id, type: attrs.type!, ...subject, attempt: attempts, status: result.answer.status, verdict: 'ok', ms });
          this.record({ kind: 'delivered', trigger: name, id, attempts, ...(reply ? { reply } : {}) });
          if (reply) await this.forwardReply(t, event, { ...reply, attributes: { ...reply.attributes, [TTL_EXTENSION]: ttl } });
          return;
        }
        last = { kind: 'bad-gateway' };
      } else if (result.answer) {
        last = { kind: 'status', destination: t.subscriber, status: result.answer.status, body: result.answer.body };
      } else {
        last = result.timedOut ? { kind: 'timeout' } : { kind: 'no-response', destination: t.subscriber, error: result.error };
      }
      const status = observedStatus(last);
      const again = isRetryable(status) && attempts <= (spec.retry ?? 0);
      this.record({
        kind: 'attempt',
        trigger: name,
        id,
        type: attrs.type!,
        ...subject,
        attempt: attempts,
        ...(status !== undefined ? { status } : {}),
        ...(result.error ? { error: result.error } : {}),
        verdict: again ? 'retry' : 'final',
        ms,
      });
      if (!again) break;
      await sleep(backoffMs(spec, attempts, result.answer ? { status: result.answer.status, ...retryAfter(result.answer) } : undefined));
    }
    await this.deadLetter(t, event, last, attempts);
  }

  /** Sends a reply into the ingress with the delivery's retries; on failure the original is dead-lettered. */
  private async forwardReply(t: ResolvedTrigger, original: Event, reply: Event): Promise<void> {
    const { headers, body } = toBinary(reply);
    const spec = t.config.delivery;
    let answer: HttpAnswer | undefined;
    let error: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const result = await post(this.ingressUrl, { ...headers, 'x-bucket-ml-broker-reply': '1' }, body, spec.timeout);
      answer = result.answer;
      error = result.error;
      if (answer && isSuccess(answer.status)) return;
      if (!isRetryable(answer?.status) || attempt > (spec.retry ?? 0)) break;
      await sleep(backoffMs(spec, attempt, answer ? { status: answer.status, ...retryAfter(answer) } : undefined));
    }
    const failure: FailedAttempt = answer
      ? { kind: 'status', destination: this.ingressUrl, status: answer.status, body: answer.body }
      : { kind: 'no-response', destination: this.ingressUrl, error: error ?? 'no response' };
    await this.deadLetter(t, original, failure, 1);
  }

  private async deadLetter(t: ResolvedTrigger, event: Event, last: FailedAttempt | undefined, attempts: number): Promise<void> {
    const id = event.attributes.id!;
    if (!t.deadLetterSink) {
      this.record({ kind: 'dropped', trigger: t.config.name, id, attempts, reason: 'no deadLetterSink' });
      return;
    }
    const letter: Event = { ...event, attributes: { ...event.attributes, ...(last ? knativeErrorExtensions(last) : {}) } };
    const { headers, body } = toBinary(letter);
    const spec = t.config.delivery;
    for (let attempt = 1; ; attempt++) {
      const result = await post(t.deadLetterSink, headers, body, spec.timeout);
      if (result.answer && isSuccess(result.answer.status)) {
        this.record({ kind: 'dead-lettered', trigger: t.config.name, id, attempts, event: letter, sink: t.deadLetterSink });
        return;
      }
      if (!isRetryable(result.answer?.status) || attempt > (spec.retry ?? 0)) {
        this.record({ kind: 'dropped', trigger: t.config.name, id, attempts, reason: `dead-letter sink answered ${result.answer?.status ?? result.error}` });
        return;
      }
      await sleep(backoffMs(spec, attempt));
    }
  }
}

function retryAfter(answer: HttpAnswer): { retryAfter?: string } {
  const v = answer.headers['retry-after'];
  return typeof v === 'string' ? { retryAfter: v } : {};
}

export type { DeliverySpec };
