// The production path, end to end on the real Ceph RGW, through stand-ins built from Knative's and
// eventing-ceph's own rules (packages/local/src/eventing): upload → persistent RGW topic → CephSource
// adapter → Broker (Triggers of the RENDERED cephsource overlay) → classify (the built function, started
// by the activator) → result event replied into the Broker → review sink only when confidence is low,
// or failed event for an upload that cannot be classified (review too; dead letters stay empty).
// Everything is proven with counts; they are printed at the end ([e2e-counts]).
import { readFile, readdir } from 'node:fs/promises';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILED_EVENT_TYPE, RESULT_EVENT_TYPE } from '../../functions/classify/src/events/types.ts';
import type { AdapterRecord } from '../../packages/local/src/eventing/index.ts';
import { RELEASES, startRgw, type Release, type Rgw } from '../rgw/launcher.ts';
import { sharedPath } from '../support/paths.ts';
import { startProductionPath, type PathCounts, type ProductionPath } from '../support/production-path.ts';
import { waitFor } from '../support/recorder.ts';
import { rgwAccess, uniqueName } from '../support/rgw-clients.ts';

const counts: string[] = [];
const log = (scenario: string, c: PathCounts, extra = ''): void => {
  counts.push(`${scenario}: invocations ${c.attempts.length} (${c.attempts.map((a) => `${a.status ?? 'no answer'}/${a.verdict}`).join(', ')}), replies ${c.replies}, review ${c.review}, dead letters ${c.deadLetters}${extra}`);
};
afterAll(() => process.stderr.write(`[e2e-counts] production path\n${counts.map((l) => `  ${l}`).join('\n')}\n`));

interface StoredResult {
  confidence: 'high' | 'low';
  resultKey: string;
}

const pushFor = (path: ProductionPath, key: string): Extract<AdapterRecord, { kind: 'request' }> | undefined =>
  path.eventing.adapter!.records.find((r): r is Extract<AdapterRecord, { kind: 'request' }> => r.kind === 'request' && r.status === 200 && r.body.includes(JSON.stringify(key)));

/** RGW's push for `key`, rewritten to name another key (what RGW would push for that object). */
function pushNaming(path: ProductionPath, from: string, to: string): string {
  const doc = JSON.parse(pushFor(path, from)!.body) as { Records: Array<{ s3: { object: { key: string } } }> };
  doc.Records[0]!.s3.object.key = to;
  return JSON.stringify(doc);
}

const postTo = (url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<number> =>
  fetch(url, { method: 'POST', headers, body }).then((r) => r.status);

describe('production path on the real RGW: CephSource adapter → Broker → classify → replies', () => {
  let path: ProductionPath;
  let photos: string[] = [];
  const confidence = new Map<string, 'high' | 'low'>();

  beforeAll(async () => {
    path = await startProductionPath(rgwAccess());
    photos = (await readdir(sharedPath('images'))).filter((f) => f.endsWith('.jpg')).sort();
  });
  afterAll(async () => {
    await path?.close();
  });

  /** What reached the review sink about `key`, in order. */
  const reviewed = (key: string) => path.eventing.displays.review!.events.filter((e) => e.attributes.subject === key);

  /** Until nothing about these keys (their events, the result events about them) is in flight. */
  const settle = async (...keys: string[]): Promise<void> => {
    await new Promise((r) => setTimeout(r, 100));
    await path.eventing.broker.idle((a) => a.subject !== undefined && keys.includes(a.subject));
  };

  it('classifies each upload once, replies each result into the Broker, and sends only low-confidence results to review', async () => {
    const { s3, bucket, eventing } = path;
    for (const name of photos) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `uploads/${name}`, Body: await readFile(sharedPath('images', name)), ContentType: 'image/jpeg' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'uploads/notes.txt', Body: 'not a picture' }));
    await waitFor(() => photos.every((n) => path.countsFor(`uploads/${n}`).replies === 1), 120_000, 'a result event for every photo');
    await settle(...photos.map((n) => `uploads/${n}`));

    const stored = await path.storedResults();
    expect(stored).toHaveLength(photos.length);
    for (const name of photos) {
      const key = `uploads/${name}`;
      const resultKey = stored.find((k) => k.startsWith(`results/${key}/`));
      expect(resultKey, `stored result for ${key}`).toBeDefined();
      const doc = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: resultKey }))).Body!.transformToString()) as StoredResult;
      confidence.set(key, doc.confidence);
      const c = path.countsFor(key);
      log(`upload ${name} (${doc.confidence})`, c);
      expect(c.attempts.map((a) => [a.verdict, a.status])).toEqual([['ok', 200]]);
      expect(c.replies).toBe(1);
      expect(c.deadLetters).toBe(0);
      expect(c.review, `review events for ${key} (confidence ${doc.confidence})`).toBe(doc.confidence === 'low' ? 1 : 0);
    }
    // the photos include both kinds, so the review routing is really exercised
    expect(new Set(confidence.values())).toEqual(new Set(['high', 'low']));
    const classify = eventing.activators.classify!;
    expect(classify.count('starting')).toBe(1); // one cold start, then warm
    expect(classify.invocations).toBe(photos.length);
    expect(eventing.displays['dead-letters']!.events).toHaveLength(0);
    expect(eventing.displays.review!.events.every((e) => e.attributes.type === RESULT_EVENT_TYPE && e.attributes.bmlconfidence === 'low')).toBe(true);
    // notes.txt never left RGW (the overlay's regex), and no result event ever reached classify
    expect(eventing.adapter!.records.some((r) => r.kind === 'sent' && r.event.attributes.subject === 'uploads/notes.txt')).toBe(false);
    expect(eventing.broker.records.filter((r) => r.kind === 'attempt' && r.trigger.startsWith('classify-') && r.type === RESULT_EVENT_TYPE)).toHaveLength(0);
    counts.push(`uploads: ${photos.length} photos + 1 .txt → classify invocations ${classify.invocations}, cold starts ${classify.count('starting')}, stored results ${stored.length}, review ${eventing.displays.review!.events.length}, dead letters 0`);
  }, 180_000);

  it('does not classify a stored result again, even if RGW notified it', async () => {
    const { eventing } = path;
    const stored = await path.storedResults();
    expect(stored.length).toBeGreaterThan(0);
    // RGW's own filter kept every results/ key away from the adapter …
    expect(eventing.adapter!.records.filter((r) => r.kind === 'sent' && r.event.attributes.subject?.startsWith('results/'))).toHaveLength(0);
    // … and if a notification for one came anyway, the Triggers' filters keep it from classify
    const resultKey = stored[0]!;
    expect(await postTo(eventing.adapter!.url, pushNaming(path, `uploads/${photos[0]}`, resultKey))).toBe(200);
    await settle(resultKey);
    expect(eventing.broker.records.some((r) => r.kind === 'accepted' && r.event.attributes.subject === resultKey)).toBe(true);
    const c = path.countsFor(resultKey);
    log(`notification for stored result ${resultKey}`, c);
    expect(c.attempts).toHaveLength(0);
    expect(await path.storedResults()).toEqual(stored);
  });

  it('answers a duplicate notification with the same result event: one stored result, no dead letter', async () => {
    const key = `uploads/${photos[0]}`;
    const before = await path.storedResults(`results/${key}/`);
    const firstReply = path.eventing.broker.records.find((r) => r.kind === 'accepted' && r.reply && r.event.attributes.subject === key);
    // RGW's persistent queue re-sends a push whose acknowledgement it did not see: the same body again
    expect(await postTo(path.eventing.adapter!.url, pushFor(path, key)!.body)).toBe(200);
    await waitFor(() => path.countsFor(key).attempts.length >= 2, 60_000, 'the second delivery');
    await waitFor(() => path.countsFor(key).attempts.at(-1)!.verdict !== 'retry' || undefined, 5_000, 'a final answer').catch(() => undefined);
    const second = path.countsFor(key).attempts[1]!;
    expect(second.verdict, `classify's answer to the duplicate was ${second.status}: a Broker takes anything but an empty 2xx or a CloudEvent as 502 and retries it`).toBe('ok');
    await waitFor(() => path.countsFor(key).replies === 2, 10_000, 'the re-emitted result event');
    await settle(key);
    const c = path.countsFor(key);
    log(`duplicate notification for ${key}`, c);
    const replies = path.eventing.broker.records.filter((r) => r.kind === 'accepted' && r.reply && r.event.attributes.subject === key);
    expect(replies.map((r) => r.kind === 'accepted' && r.event.attributes.id)).toEqual([firstReply?.kind === 'accepted' && firstReply.event.attributes.id, firstReply?.kind === 'accepted' && firstReply.event.attributes.id]);
    expect(c.attempts).toHaveLength(2);
    expect(c.deadLetters).toBe(0);
    expect(c.review).toBe(confidence.get(key) === 'low' ? 2 : 0);
    expect(await path.storedResults(`results/${key}/`)).toEqual(before);
  }, 90_000);

  it('answers a permanent failure once with a failed event the Broker routes to review: stored beside the object, no dead letter', async () => {
    const { s3, bucket, eventing } = path;
    const jpeg = await readFile(sharedPath('images', photos[0]!));
    const cases = [
      { key: 'uploads/truncated.jpg', body: jpeg.subarray(0, 3000) },
      { key: 'uploads/text-named.jpg', body: Buffer.from('this is a text file, not a picture\n') },
    ];
    const invocationsBefore = eventing.activators.classify!.invocations;
    for (const c of cases) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: c.key, Body: c.body, ContentType: 'image/jpeg' }));
    await waitFor(() => cases.every((c) => path.countsFor(c.key).review === 1), 60_000, 'a failed event at review for each broken upload');
    await settle(...cases.map((c) => c.key));
    for (const { key } of cases) {
      const c = path.countsFor(key);
      log(`permanent failure ${key}`, c);
      expect(c.attempts.map((a) => [a.verdict, a.status])).toEqual([['ok', 200]]);
      expect(c.replies).toBe(1);
      expect(c.review).toBe(1);
      expect(c.deadLetters).toBe(0);
      const failed = reviewed(key)[0]!;
      expect(failed.attributes.type).toBe(FAILED_EVENT_TYPE);
      expect(['not_an_image', 'corrupt_image', 'unsupported_image']).toContain(failed.attributes.bmlerror);
      const doc = JSON.parse(failed.data!.toString()) as { error: { code: string; retryable: boolean }; resultKey: string };
      expect(doc.error).toMatchObject({ code: failed.attributes.bmlerror, retryable: false });
      expect(failed.attributes.id).toBe(doc.resultKey);
      // stored beside the object's results, and nothing else there
      expect(await path.storedResults(`results/${key}/`)).toEqual([doc.resultKey]);
      expect(doc.resultKey).toMatch(/\.failed\.json$/);
    }
    expect(eventing.activators.classify!.invocations - invocationsBefore).toBe(cases.length);
    expect(eventing.displays['dead-letters']!.events).toHaveLength(0);

    // RGW re-sends one of them: the same failed event again (same id, same data), still no dead letter
    const key = cases[0]!.key;
    const first = reviewed(key)[0]!;
    expect(await postTo(eventing.adapter!.url, pushFor(path, key)!.body)).toBe(200);
    await waitFor(() => path.countsFor(key).review === 2 || undefined, 30_000, 'the re-emitted failed event');
    await settle(key);
    const c = path.countsFor(key);
    log(`duplicate notification for failed ${key}`, c);
    expect(c.attempts.map((a) => [a.verdict, a.status])).toEqual([['ok', 200], ['ok', 200]]);
    expect(c.deadLetters).toBe(0);
    const again = reviewed(key)[1]!;
    expect(again.attributes.id).toBe(first.attributes.id);
    expect(again.data!.toString()).toBe(first.data!.toString());
  }, 90_000);

  it('answers an object that vanished before delivery once, with a failed event (object_gone) at review, no dead letter', async () => {
    const key = 'uploads/vanished.jpg';
    expect(await postTo(path.eventing.adapter!.url, pushNaming(path, `uploads/${photos[0]}`, key))).toBe(200);
    await waitFor(() => path.countsFor(key).review === 1 || undefined, 30_000, 'the failed event at review');
    await settle(key);
    const c = path.countsFor(key);
    log(`vanished object ${key}`, c);
    expect(c.attempts.map((a) => [a.verdict, a.status])).toEqual([['ok', 200]]);
    expect(c.replies).toBe(1);
    expect(c.deadLetters).toBe(0);
    const failed = reviewed(key)[0]!;
    expect(failed.attributes).toMatchObject({ type: FAILED_EVENT_TYPE, bmlerror: 'object_gone', subject: key });
    expect(JSON.parse(failed.data!.toString())).toMatchObject({ error: { status: 410, code: 'object_gone', retryable: false }, object: { key } });
  }, 60_000);

  it('treats RGW 17+ CloudEvents (the request RGW 18 sends, pushed to the Broker ingress) the same way', async () => {
    const { s3, eventing } = path;
    const capture = JSON.parse((await readFile(sharedPath('reference/ceph-rgw-18/samples/cloudevents-binary.jsonl'), 'utf8')).split('\n')[0]!) as { headers: Record<string, string>; body: string };
    const bucket = uniqueName('pp-rgw18');
    const key = `ce/${photos[1]}`;
    const bytes = await readFile(sharedPath('images', photos[1]!));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: 'image/jpeg' }));
    // the captured request, naming the object that is really in RGW
    const doc = JSON.parse(capture.body) as { Records: Array<{ awsRegion: string; s3: { bucket: { name: string; arn: string }; object: { key: string; size: number; eTag: string } } }> };
    const record = doc.Records[0]!;
    record.s3.bucket.name = bucket;
    record.s3.bucket.arn = `arn:aws:s3:${record.awsRegion}::${bucket}`;
    Object.assign(record.s3.object, { key, size: bytes.length, eTag: put.ETag!.replace(/"/g, '') });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(capture.headers)) if (k !== 'host' && k !== 'content-length') headers[k] = v;
    Object.assign(headers, { 'ce-subject': key, 'ce-source': `ceph:s3.${record.awsRegion}.${bucket}` });
    const body = JSON.stringify(doc);
    expect(await postTo(eventing.broker.ingressUrl, body, headers)).toBe(202);
    await waitFor(() => path.countsFor(key).replies === 1, 60_000, 'the result event');
    await settle(key);
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: (await listKeys(path, bucket))[0] }));
    const result = JSON.parse(await stored.Body!.transformToString()) as StoredResult;
    let c = path.countsFor(key);
    expect(c.attempts.map((a) => [a.verdict, a.status])).toEqual([['ok', 200]]);
    expect(c.review).toBe(result.confidence === 'low' ? 1 : 0);
    expect(c.deadLetters).toBe(0);
    // the same request again (RGW's retry): one stored result, the same result event, no dead letter
    expect(await postTo(eventing.broker.ingressUrl, body, headers)).toBe(202);
    await waitFor(() => path.countsFor(key).attempts.length === 2, 30_000, 'the second delivery');
    await waitFor(() => path.countsFor(key).attempts[1]!.verdict !== 'retry' || undefined, 5_000, 'a final answer').catch(() => undefined);
    expect(path.countsFor(key).attempts[1]!.verdict, `the Broker saw ${path.countsFor(key).attempts[1]!.status} for classify's answer to the duplicate (502 = a 2xx whose body is not a CloudEvent)`).toBe('ok');
    await waitFor(() => path.countsFor(key).replies === 2, 10_000, 'the re-emitted result event');
    await settle(key);
    c = path.countsFor(key);
    log(`RGW 18 CloudEvent for ${key} (${result.confidence}), sent twice`, c);
    expect(c.deadLetters).toBe(0);
    expect(c.review).toBe(result.confidence === 'low' ? 2 : 0);
    expect(await listKeys(path, bucket)).toHaveLength(1);
  }, 120_000);
});

async function listKeys(path: ProductionPath, bucket: string): Promise<string[]> {
  const listed = await path.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'results/' }));
  return (listed.Contents ?? []).map((o) => o.Key!);
}

describe('production path: a transient outage (radosgw stopped for a few seconds)', () => {
  // A cluster of its own: stopping the run's shared RGW would break the test files running beside this one.
  let rgw: Rgw;
  let path: ProductionPath;
  const key = 'uploads/outage.jpg';
  let outage: Promise<void> | undefined;
  const outageWindow: { stoppedAt?: number; startedAt?: number } = {};

  beforeAll(async () => {
    // of the release this project runs on (vitest.config.ts)
    const release = rgwAccess().release as Release;
    if (!RELEASES.includes(release)) throw new Error(`no launcher for Ceph ${release}: this test starts a cluster of its own`);
    rgw = await startRgw({ release });
    path = await startProductionPath(rgw, {
      beforeAttempt: async ({ event, attempt }) => {
        if (event.attributes.subject !== key || attempt !== 1) return;
        // Let RGW see the adapter's 200 first, so its persistent queue does not push the record again.
        await waitFor(() => pushFor(path, key), 10_000, 'the adapter to acknowledge the push');
        await new Promise((r) => setTimeout(r, 1000));
        await rgw.stopGateway!();
        outageWindow.stoppedAt = performance.now();
        outage = new Promise((r) => setTimeout(r, 3000)).then(async () => {
          await rgw.startGateway!();
          outageWindow.startedAt = performance.now();
        });
        // awaited by the test; handled here so a failed restart is its failure, not an unhandled rejection
        outage.catch(() => {});
      },
    });
  }, 180_000);
  afterAll(async () => {
    await outage?.catch(() => {});
    await path?.close();
    await rgw?.stop();
  });

  it('is retried with backoff and then succeeds: one stored result, no dead letter', async () => {
    const [warm, photo] = (await readdir(sharedPath('images'))).filter((f) => f.endsWith('.jpg')).sort().slice(1, 3) as [string, string];
    // classify warm first: a cold start would outlast the outage and hide it
    await path.s3.send(new PutObjectCommand({ Bucket: path.bucket, Key: `uploads/${warm}`, Body: await readFile(sharedPath('images', warm)), ContentType: 'image/jpeg' }));
    await waitFor(() => path.countsFor(`uploads/${warm}`).replies === 1, 90_000, 'the warm-up result');
    await path.s3.send(new PutObjectCommand({ Bucket: path.bucket, Key: key, Body: await readFile(sharedPath('images', photo)), ContentType: 'image/jpeg' }));
    await waitFor(() => path.countsFor(key).replies === 1 || path.countsFor(key).deadLetters > 0 || undefined, 90_000, 'the result event after the outage');
    await path.eventing.broker.idle((a) => a.subject === key);
    await outage;
    const c = path.countsFor(key);
    log(`transient outage for ${key}`, c, `; radosgw down ${Math.round((outageWindow.startedAt ?? 0) - (outageWindow.stoppedAt ?? 0))} ms`);
    expect(c.deadLetters).toBe(0);
    expect(c.attempts.length).toBeGreaterThanOrEqual(2);
    expect(c.attempts[0]!).toMatchObject({ verdict: 'retry', status: 503 });
    expect(c.attempts.at(-1)!).toMatchObject({ verdict: 'ok', status: 200 });
    expect(c.attempts.slice(0, -1).every((a) => a.verdict === 'retry')).toBe(true);
    expect(c.replies).toBe(1);
    // transient: retried, never a failed event nor a failure document
    expect(path.eventing.broker.records.filter((r) => r.kind === 'accepted' && r.reply && r.event.attributes.subject === key).map((r) => r.kind === 'accepted' && r.event.attributes.type)).toEqual([RESULT_EVENT_TYPE]);
    expect(await path.storedResults(`results/${key}/`)).toHaveLength(1);
    expect(path.eventing.activators.classify!.invocations).toBe(c.attempts.length + 1); // + the warm-up
  }, 120_000);
});
