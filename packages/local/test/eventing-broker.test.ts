// The Broker stand-in against the upstream rules it cites (knative/eventing: broker ingress and filter
// handlers, kncloudevents retries and dispatcher, ttl.go, knative_error.go). Each test scripts a
// subscriber and counts what reaches it and the dead-letter sink.
import { afterEach, describe, expect, it } from 'vitest';
import { Broker, EventDisplay, type BrokerRecord, type ManifestObject } from '../src/eventing/index.ts';
import { binaryEvent, brokerObject, DLS, NS, scripted, triggerObject, waitUntil, type Answer, type Hit } from './eventing-helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Setup {
  broker: Broker;
  sub: Awaited<ReturnType<typeof scripted>>;
  dls: EventDisplay;
  send(attrs?: Record<string, string>, data?: unknown): Promise<number>;
  /** Waits until the Broker has nothing in flight. */
  settle(): Promise<void>;
}

async function setup(answer: (hit: Hit, n: number) => Answer, delivery: Record<string, unknown>, extra: ManifestObject[] = [], maxTtl?: number): Promise<Setup> {
  const sub = await scripted(answer);
  const dls = await EventDisplay.start('dead-letters');
  const objects = [brokerObject(), triggerObject('t', { filter: { attributes: { type: 'test.event' } }, subscriber: 'sub', delivery: { ...delivery, deadLetterSink: DLS } }), ...extra];
  const broker = await Broker.start({ objects, addresses: { 'Service/sub': sub.url, 'Service/dead-letters': dls.url }, ...(maxTtl ? { maxTtl } : {}) });
  cleanup.push(() => sub.close(), () => dls.close(), () => broker.close());
  return {
    broker,
    sub,
    dls,
    async send(attrs = {}, data) {
      const { headers, body } = binaryEvent(attrs, data);
      const res = await fetch(broker.ingressUrl, { method: 'POST', headers, body });
      return res.status;
    },
    settle: async () => {
      await new Promise((r) => setTimeout(r, 20));
      await broker.idle();
    },
  };
}

const attempts = (records: BrokerRecord[]): BrokerRecord[] => records.filter((r) => r.kind === 'attempt');

describe('Broker stand-in: which answers are retried (retries.go SelectiveRetry)', () => {
  it.each([500, 502, 503, 504, 404, 408, 409, 429])('retries %i, then dead-letters', async (status) => {
    const s = await setup(() => ({ status, body: 'nope' }), { retry: 2 });
    expect(await s.send()).toBe(202);
    await s.settle();
    expect(s.sub.hits).toHaveLength(3);
    expect(s.dls.events).toHaveLength(1);
    expect(s.dls.events[0]!.attributes.knativeerrorcode).toBe(String(status));
  });

  it.each([400, 401, 403, 405, 410, 413, 415, 422])('does not retry %i: one attempt, then the dead-letter sink', async (status) => {
    const s = await setup(() => ({ status }), { retry: 3 });
    await s.send();
    await s.settle();
    expect(s.sub.hits).toHaveLength(1);
    expect(s.dls.events).toHaveLength(1);
    expect(s.dls.events[0]!.attributes.knativeerrorcode).toBe(String(status));
  });

  it('retries when nothing answers (connection refused): code 500, data "dispatch error: …"', async () => {
    const s = await setup(() => ({ status: 200 }), { retry: 1 });
    await s.sub.close(); // the subscriber's port now refuses connections
    await s.send();
    await s.settle();
    expect(attempts(s.broker.records).map((r) => r.kind === 'attempt' && r.verdict)).toEqual(['retry', 'final']);
    const dead = s.dls.events[0]!.attributes;
    expect(dead.knativeerrorcode).toBe('500');
    expect(Buffer.from(dead.knativeerrordata!, 'base64').toString()).toMatch(/^dispatch error: ECONNREFUSED/);
  });

  it('2xx ends the delivery: no retry, no dead letter', async () => {
    const s = await setup((_, n) => ({ status: n === 1 ? 503 : 202 }), { retry: 5 });
    await s.send();
    await s.settle();
    expect(s.sub.hits).toHaveLength(2);
    expect(s.dls.events).toHaveLength(0);
    expect(s.broker.count('delivered', 't')).toBe(1);
  });
});

describe('Broker stand-in: backoff and timeout (delivery_types.go, retries.go, go-retryablehttp)', () => {
  const gaps = (hits: Hit[]): number[] => hits.slice(1).map((h, i) => h.at - hits[i]!.at);

  it('exponential: delay, 2·delay, 4·delay', async () => {
    const s = await setup(() => ({ status: 500 }), { retry: 3, backoffPolicy: 'exponential', backoffDelay: 'PT0.15S' });
    await s.send();
    await s.settle();
    const g = gaps(s.sub.hits);
    expect(g).toHaveLength(3);
    [150, 300, 600].forEach((want, i) => {
      expect(g[i]!).toBeGreaterThanOrEqual(want - 10);
      expect(g[i]!).toBeLessThan(want + 150);
    });
  });

  it('linear: 0, delay, 2·delay (attemptNum starts at 0)', async () => {
    const s = await setup(() => ({ status: 500 }), { retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT0.2S' });
    await s.send();
    await s.settle();
    const g = gaps(s.sub.hits);
    expect(g[0]!).toBeLessThan(100);
    expect(g[1]!).toBeGreaterThanOrEqual(190);
    expect(g[2]!).toBeGreaterThanOrEqual(390);
  });

  it('timeout cuts each attempt, which counts as no answer (retried); the dead letter then has no knativeerror extensions', async () => {
    const s = await setup(() => ({ status: 200, delayMs: 600 }), { retry: 1, timeout: 'PT0.2S' });
    await s.send();
    await s.settle();
    expect(s.sub.hits).toHaveLength(2);
    expect(attempts(s.broker.records).every((r) => r.kind === 'attempt' && r.status === undefined)).toBe(true);
    expect(s.dls.events).toHaveLength(1);
    expect(Object.keys(s.dls.events[0]!.attributes).filter((k) => k.startsWith('knativeerror'))).toEqual([]);
  });
});

describe('Broker stand-in: replies (filter_handler.go writeResponse)', () => {
  it('200 with a JSON body is 502: retried, then dead-lettered', async () => {
    const s = await setup(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"outcomes":[{"status":"duplicate"}]}' }), { retry: 2 });
    await s.send();
    await s.settle();
    expect(s.sub.hits).toHaveLength(3);
    expect(attempts(s.broker.records).map((r) => r.kind === 'attempt' && r.status)).toEqual([502, 502, 502]);
    expect(s.dls.events).toHaveLength(1);
    expect(s.broker.count('delivered')).toBe(0);
  });

  it('a malformed CloudEvent reply (no ce-type) is 502 too', async () => {
    const s = await setup(() => ({ status: 200, headers: { 'ce-specversion': '1.0', 'ce-id': 'r', 'ce-source': 's', 'content-type': 'application/json' }, body: '{}' }), { retry: 0 });
    await s.send();
    await s.settle();
    expect(attempts(s.broker.records).map((r) => r.kind === 'attempt' && r.status)).toEqual([502]);
    expect(s.dls.events).toHaveLength(1);
  });

  it('an empty 2xx is a delivery, whatever its headers', async () => {
    const s = await setup(() => ({ status: 200, headers: { 'content-type': 'application/json' } }), { retry: 2 });
    await s.send();
    await s.settle();
    expect(s.sub.hits).toHaveLength(1);
    expect(s.broker.count('delivered')).toBe(1);
    expect(s.broker.count('accepted')).toBe(1);
  });

  it('a CloudEvent reply goes back into the Broker, meets every Trigger, and carries the TTL', async () => {
    const replyTo = await scripted(() => ({ status: 200 }));
    cleanup.push(() => replyTo.close());
    const sub = await scripted(() => ({ status: 200, headers: { 'ce-specversion': '1.0', 'ce-id': 'result-1', 'ce-source': 'classify', 'ce-type': 'test.result', 'ce-bmlconfidence': 'low', 'content-type': 'application/json' }, body: '{"top":"dog"}' }));
    const objects = [
      brokerObject(),
      triggerObject('work', { filter: { attributes: { type: 'test.event' } }, subscriber: 'sub' }),
      triggerObject('review', { filters: [{ exact: { type: 'test.result' } }, { exact: { bmlconfidence: 'low' } }], subscriber: 'review' }),
      triggerObject('review-high', { filter: { attributes: { type: 'test.result', bmlconfidence: 'high' } }, subscriber: 'review' }),
    ];
    const broker = await Broker.start({ objects, addresses: { 'Service/sub': sub.url, 'Service/review': replyTo.url } });
    cleanup.push(() => sub.close(), () => broker.close());
    const { headers, body } = binaryEvent({ id: 'in-1' });
    await fetch(broker.ingressUrl, { method: 'POST', headers, body });
    await waitUntil(() => replyTo.hits.length === 1, 5000, 'the reply at the review subscriber');
    await broker.idle();
    const hit = replyTo.hits[0]!;
    expect(hit.headers['ce-id']).toBe('result-1');
    expect(hit.headers['ce-knativebrokerttl']).toBeUndefined(); // removed before a subscriber sees it
    expect(JSON.parse(hit.body.toString())).toEqual({ top: 'dog' });
    const accepted = broker.records.filter((r): r is Extract<BrokerRecord, { kind: 'accepted' }> => r.kind === 'accepted');
    expect(accepted.map((a) => [a.event.attributes.id, a.event.attributes.knativebrokerttl, a.reply])).toEqual([
      ['in-1', '255', false],
      ['result-1', '254', true],
    ]);
    expect(sub.hits).toHaveLength(1); // the reply matched no work Trigger
    expect(sub.hits[0]!.headers.prefer).toBe('reply');
  });
});

describe('Broker stand-in: TTL (ttl.go, ingress_handler.go)', () => {
  it('ends a reply loop: the event whose reply the ingress refuses is dead-lettered with the ingress as destination', async () => {
    const loop = (hit: Hit): Answer => ({ status: 200, headers: { 'ce-specversion': '1.0', 'ce-id': `${String(hit.headers['ce-id'])}+`, 'ce-source': 'loop', 'ce-type': 'test.event' } });
    const s = await setup(loop, { retry: 2 }, [], 5);
    await s.send({ id: 'x' });
    await waitUntil(() => s.dls.events.length === 1, 5000, 'the dead letter');
    await s.settle();
    expect(s.sub.hits.map((h) => h.headers['ce-id'])).toEqual(['x', 'x+', 'x++', 'x+++', 'x++++']);
    expect(s.broker.count('rejected')).toBe(1);
    const dead = s.dls.events[0]!.attributes;
    expect(dead.id).toBe('x++++');
    expect(dead.knativeerrordest).toBe(s.broker.ingressUrl);
    expect(dead.knativeerrorcode).toBe('400');
  });

  it('rejects an event that arrives with TTL 1 (it would leave with 0) and accepts 2', async () => {
    const s = await setup(() => ({ status: 200 }), {});
    expect(await s.send({ knativebrokerttl: '1' })).toBe(400);
    expect(await s.send({ knativebrokerttl: '2' })).toBe(202);
    await s.settle();
    expect(s.sub.hits).toHaveLength(1);
  });
});

describe('Broker stand-in: dead letters (knative_error.go)', () => {
  it('keep the event and add knativeerrordest, knativeerrorcode, knativeerrordata (base64, cut at 1024)', async () => {
    const long = 'E'.repeat(2000);
    const s = await setup(() => ({ status: 422, body: long }), { retry: 3 });
    await s.send({ id: 'keep-me', subject: 'a/b.jpg', bmlcustom: 'v' }, { k: 1 });
    await s.settle();
    expect(s.sub.hits).toHaveLength(1);
    const dead = s.dls.events[0]!;
    expect(dead.attributes).toMatchObject({ id: 'keep-me', type: 'test.event', source: 'test', subject: 'a/b.jpg', bmlcustom: 'v', knativeerrorcode: '422', knativeerrordest: s.sub.url });
    expect(dead.attributes.knativeerrordata).toHaveLength(1024);
    expect(dead.attributes.knativeerrordata).toBe(Buffer.from(long).toString('base64').slice(0, 1024));
    expect(JSON.parse(dead.data!.toString())).toEqual({ k: 1 });
  });

  it('without a dead-letter sink the event is dropped after the retries', async () => {
    const sub = await scripted(() => ({ status: 500 }));
    const broker = await Broker.start({ objects: [brokerObject(), triggerObject('t', { subscriber: 'sub', delivery: { retry: 1 } })], addresses: { 'Service/sub': sub.url } });
    cleanup.push(() => sub.close(), () => broker.close());
    const { headers, body } = binaryEvent({});
    await fetch(broker.ingressUrl, { method: 'POST', headers, body });
    await waitUntil(() => broker.count('dropped') === 1);
    expect(sub.hits).toHaveLength(2);
  });

  it('a Trigger without delivery uses the Broker’s', async () => {
    const sub = await scripted(() => ({ status: 503 }));
    const dls = await EventDisplay.start('dead-letters');
    const objects = [brokerObject({ retry: 2, deadLetterSink: DLS }), triggerObject('t', { subscriber: 'sub' })];
    const broker = await Broker.start({ objects, addresses: { 'Service/sub': sub.url, 'Service/dead-letters': dls.url } });
    cleanup.push(() => sub.close(), () => dls.close(), () => broker.close());
    const { headers, body } = binaryEvent({});
    await fetch(broker.ingressUrl, { method: 'POST', headers, body });
    await waitUntil(() => dls.events.length === 1);
    expect(sub.hits).toHaveLength(3);
  });
});

describe('Broker stand-in: ingress and filters', () => {
  it('answers like the MT broker ingress', async () => {
    const s = await setup(() => ({ status: 200 }), {});
    const base = s.broker.url;
    const ok = binaryEvent({});
    expect((await fetch(`${base}/`, { method: 'POST', ...ok })).status).toBe(404);
    expect((await fetch(`${base}/${NS}/other`, { method: 'POST', ...ok })).status).toBe(404);
    expect((await fetch(`${base}/a/b/c`, { method: 'POST', ...ok })).status).toBe(400);
    expect((await fetch(s.broker.ingressUrl, { method: 'GET' })).status).toBe(405);
    expect((await fetch(s.broker.ingressUrl, { method: 'OPTIONS' })).status).toBe(200);
    const noType = binaryEvent({});
    delete noType.headers['ce-type'];
    expect((await fetch(s.broker.ingressUrl, { method: 'POST', ...noType })).status).toBe(400);
    expect((await fetch(s.broker.ingressUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"Records":[]}' })).status).toBe(400);
    const structured = { specversion: '1.0', id: 's-1', source: 'test', type: 'test.event', datacontenttype: 'application/json', data: { a: 1 } };
    expect((await fetch(s.broker.ingressUrl, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(structured) })).status).toBe(202);
    await s.settle();
    expect(s.sub.hits).toHaveLength(1);
    expect(s.sub.hits[0]!.headers['ce-id']).toBe('s-1'); // delivered in binary mode
    expect(JSON.parse(s.sub.hits[0]!.body.toString())).toEqual({ a: 1 });
  });

  it('`filters` decides when present (spec.filter is then ignored)', async () => {
    const sub = await scripted(() => ({ status: 200 }));
    const objects = [brokerObject(), triggerObject('jpg', { filter: { attributes: { type: 'test.event' } }, filters: [{ exact: { type: 'test.event' } }, { suffix: { subject: '.jpg' } }], subscriber: 'sub' })];
    const broker = await Broker.start({ objects, addresses: { 'Service/sub': sub.url } });
    cleanup.push(() => sub.close(), () => broker.close());
    for (const subject of ['a.jpg', 'a.txt', 'results/a.jpg/x.json']) {
      const { headers, body } = binaryEvent({ id: subject, subject });
      expect((await fetch(broker.ingressUrl, { method: 'POST', headers, body })).status).toBe(202);
    }
    await new Promise((r) => setTimeout(r, 50));
    await broker.idle();
    expect(sub.hits.map((h) => h.headers['ce-subject'])).toEqual(['a.jpg']);
  });

  it('refuses a Trigger whose subscriber has no local address (it would not be Ready)', async () => {
    await expect(Broker.start({ objects: [brokerObject(), triggerObject('t', { subscriber: 'missing' })], addresses: {} })).rejects.toThrow(/Service\/missing has no local address/);
  });
});
