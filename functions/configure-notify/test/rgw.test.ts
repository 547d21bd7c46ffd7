// The I/O layer and the engine against the run's real Ceph RGW (no mocks): topics read back the way
// they were written (both through ListTopics and GetTopicAttributes), notifications with every filter
// kind round-trip through the hand-made XML, errors are classified, apply is idempotent.
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionError } from '../src/vendor/core/index.ts';
import { applyState, deleteState, getState, planState } from '../src/engine.ts';
import { rgwFailure } from '../src/rgw/errors.ts';
import { deleteBucketNotification, getBucketNotifications, putBucketNotifications } from '../src/rgw/notifications.ts';
import { deleteTopic, getTopic, listTopics, putTopic } from '../src/rgw/topics.ts';
import { detectRgwVersion } from '../src/rgw/version.ts';
import { canonicalNotification, canonicalTopic } from '../src/state/canonical.ts';
import { parseState, type NotificationState, type Topic } from '../src/state/schema.ts';
import { rgwFromClients, type Rgw } from '../src/rgw/client.ts';
import { cephMajor, rgwAccess, s3For, snsFor, uniqueName } from '../../../test/support/rgw-clients.ts';
import { recordRequests, testRgw } from './support/rgw.ts';

const access = rgwAccess();
/** "16.2" → /^16\.2\./: the full version RGW reports starts with the run's release */
const releaseVersion = new RegExp(`^${access.release.replace('.', '\\.')}\\.`);
let rgw: Rgw;
let s3: S3Client;
const run = uniqueName('cn').replace(/-/g, '');

beforeAll(() => {
  rgw = testRgw();
  s3 = s3For(access);
});
afterAll(async () => {
  // leave no topic of this file behind (an external RGW may be reused)
  if (rgw) {
    const { topics } = await listTopics(rgw.sns);
    for (const [name, t] of topics) if (name.startsWith(run)) await deleteTopic(rgw.sns, t.arn);
  }
  rgw?.destroy();
  s3?.destroy();
});

async function bucket(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

// Receivers are never contacted in this file (no uploads), so the ports need not listen.
const TOPICS: Topic[] = [
  { name: `${run}-http`, endpoint: { http: { uri: 'http://127.0.0.1:9/hook?x=1&y=2', disableVerifySSL: true, sendCloudEvents: true } }, opaqueData: 'team=vision & co' },
  { name: `${run}-persist`, persistent: true, endpoint: { http: { uri: 'https://127.0.0.1:9/p' } } },
  { name: `${run}-kafka`, endpoint: { kafka: { uri: 'kafka://127.0.0.1:9092', useSSL: true, ackLevel: 'none', caLocation: '/etc/ca.pem' } } },
  { name: `${run}-amqp`, endpoint: { amqp: { uri: 'amqps://127.0.0.1:5671/vh', exchange: 'ex1', ackLevel: 'routable', disableVerifySSL: true } } },
];

describe('topics on RGW', () => {
  it('read back exactly as written, through ListTopics and GetTopicAttributes alike', async () => {
    const arns = new Map<string, string>();
    for (const t of TOPICS) arns.set(t.name, await putTopic(rgw.sns, canonicalTopic(t)));
    expect(arns.get(TOPICS[0]!.name)).toBe(`arn:aws:sns:default::${TOPICS[0]!.name}`);
    const { topics } = await listTopics(rgw.sns);
    for (const t of TOPICS) {
      const want = canonicalTopic(t);
      expect(topics.get(t.name)?.spec, `${t.name} via ListTopics`).toEqual(want);
      expect((await getTopic(rgw.sns, arns.get(t.name)!))?.spec, `${t.name} via GetTopicAttributes`).toEqual(want);
    }
  });

  it('CreateTopic on an existing name replaces every attribute', async () => {
    const name = `${run}-replace`;
    await putTopic(rgw.sns, canonicalTopic({ name, persistent: true, opaqueData: 'x', endpoint: { http: { uri: 'http://127.0.0.1:9/a', disableVerifySSL: true } } }));
    const arn = await putTopic(rgw.sns, canonicalTopic({ name, endpoint: { http: { uri: 'http://127.0.0.1:9/b' } } }));
    expect((await getTopic(rgw.sns, arn))!.spec).toEqual(canonicalTopic({ name, endpoint: { http: { uri: 'http://127.0.0.1:9/b' } } }));
    await deleteTopic(rgw.sns, arn);
    expect(await getTopic(rgw.sns, arn)).toBeUndefined();
    await deleteTopic(rgw.sns, arn); // deleting a missing topic is fine
  });
});

describe('bucket notifications on RGW', () => {
  it('every filter kind survives the hand-made XML both ways; ids are per topic; delete removes one', async () => {
    const b = await bucket('cn-xml');
    // never a persistent topic here: its queue must not point at a closed port
    const [http, , , other] = TOPICS;
    const doc = parseState({
      apiVersion: 'bucket-ml.io/v1alpha1',
      kind: 'NotificationState',
      spec: {
        notifications: [
          {
            bucket: b,
            id: 'all-kinds',
            topic: http!.name,
            events: ['s3:ObjectCreated:Put', 's3:ObjectRemoved:*'],
            filter: {
              keyFilters: [{ name: 'prefix', value: 'img/' }, { name: 'suffix', value: '.jpg' }, { name: 'regex', value: 'img/[a-z]+&<x>\\.jpg' }],
              metadataFilters: [{ name: 'color', value: 'red' }],
              tagFilters: [{ name: 'env', value: 'prod' }, { name: 'team', value: 'a b' }],
            },
          },
          { bucket: b, id: 'plain', topic: http!.name },
        ],
      },
    });
    const specs = doc.spec.notifications.map(canonicalNotification);
    const arnOf = (t: string) => `arn:aws:sns:default::${t}`;
    await putBucketNotifications(rgw.s3, b, specs, arnOf);
    expect(await getBucketNotifications(rgw.s3, b)).toEqual(specs);

    // the same id on another topic is a SECOND configuration (RGW 16), and DELETE removes one at a time
    await putBucketNotifications(rgw.s3, b, [{ ...specs[1]!, topic: other!.name }], arnOf);
    expect((await getBucketNotifications(rgw.s3, b))!.filter((n) => n.id === 'plain').map((n) => n.topic).sort()).toEqual([http!.name, other!.name].sort());
    await deleteBucketNotification(rgw.s3, b, 'plain');
    expect((await getBucketNotifications(rgw.s3, b))!.filter((n) => n.id === 'plain')).toHaveLength(1);
    await deleteBucketNotification(rgw.s3, b, 'plain');
    expect((await getBucketNotifications(rgw.s3, b))!.map((n) => n.id)).toEqual(['all-kinds']);
  });

  it('a missing bucket reads as null; a PUT naming a missing topic is refused', async () => {
    expect(await getBucketNotifications(rgw.s3, uniqueName('cn-none'))).toBeNull();
    const b = await bucket('cn-notopic');
    const spec = canonicalNotification({ bucket: b, id: 'x', topic: `${run}-nope` });
    const error = await putBucketNotifications(rgw.s3, b, [spec], (t) => `arn:aws:sns:default::${t}`).catch((e: unknown) => e);
    expect(rgwFailure(error, 'putting')).toMatchObject({ status: 422, code: 'rgw_rejected', message: expect.stringContaining('NoSuchKey') });
  });
});

describe('RGW failures', () => {
  it('refused credentials are a 403 that names the variables, on SNS and S3', async () => {
    const bad = testRgw({ credentials: { accessKeyId: access.accessKey, secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret00' } });
    try {
      for (const call of [() => listTopics(bad.sns), () => getBucketNotifications(bad.s3, 'any-bucket')]) {
        const failure = rgwFailure(await call().catch((e: unknown) => e), 'reading');
        expect(failure).toMatchObject({ status: 403, code: 'rgw_credentials_refused' });
        expect(failure.message).toMatch(/SignatureDoesNotMatch|InvalidAccessKeyId/);
        expect(failure.message).toContain('AWS_SECRET_ACCESS_KEY');
      }
      await expect(applyState(parseState({ apiVersion: 'bucket-ml.io/v1alpha1', kind: 'NotificationState', spec: {} }), bad)).rejects.toMatchObject({ status: 403 });
    } finally {
      bad.destroy();
    }
  });

  it('an unreachable RGW is a 503 (retryable)', async () => {
    const gone = testRgw({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    try {
      const error = await getState(gone).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FunctionError);
      expect(error).toMatchObject({ status: 503, code: 'rgw_unavailable', retryable: true });
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
    } finally {
      gone.destroy();
    }
  });

  it('the version comes from /swift/info, unless RGW_VERSION says otherwise', async () => {
    expect(await detectRgwVersion(access.endpoint)).toMatchObject({ major: cephMajor(access), source: 'probe', version: expect.stringMatching(releaseVersion) });
    expect(await detectRgwVersion(access.endpoint, 'quincy')).toEqual({ version: 'quincy', major: 17, source: 'configured' });
    expect(await detectRgwVersion('http://127.0.0.1:9')).toEqual({ source: 'unknown' });
  });
});

describe('the engine on RGW', () => {
  function stateDoc(b: string, uri: string, tag = 'eng'): NotificationState {
    return parseState({
      apiVersion: 'bucket-ml.io/v1alpha1',
      kind: 'NotificationState',
      spec: {
        topics: [{ name: `${run}-${tag}`, endpoint: { http: { uri } } }, { name: `${run}-${tag}2`, endpoint: { http: { uri: 'http://127.0.0.1:9/two' } } }],
        notifications: [
          { bucket: b, id: 'jpg', topic: `${run}-${tag}`, events: ['s3:ObjectCreated:*'], filter: { keyFilters: [{ name: 'suffix', value: '.jpg' }], tagFilters: [{ name: 'env', value: 'prod' }] } },
          { bucket: b, id: 'meta', topic: `${run}-${tag}2`, filter: { metadataFilters: [{ name: 'x-amz-meta-color', value: 'red' }] } },
        ],
      },
    });
  }

  it('apply creates, apply again changes nothing and sends no write, get returns the document', async () => {
    const b = await bucket('cn-eng');
    const doc = stateDoc(b, 'http://127.0.0.1:9/one');
    const sent = recordRequests(rgw);
    const first = await applyState(doc, rgw);
    expect(first.ok).toBe(true);
    expect(first.items.map((i) => [i.name, i.kind === 'warning' ? i.code : i.action])).toEqual([
      [`${run}-eng`, 'created'],
      [`${run}-eng2`, 'created'],
      [`${b}/jpg`, 'created'],
      [`${b}/meta`, 'created'],
    ]);
    expect(first.writes).toBe(3); // two CreateTopic, one PUT for the bucket
    expect(sent.writes()).toHaveLength(3);
    expect(first.rgw).toMatchObject({ endpoint: access.endpoint, versionSource: 'probe', version: expect.stringMatching(releaseVersion) });

    sent.clear();
    const second = await applyState(doc, rgw);
    expect(second.summary).toMatchObject({ created: 0, updated: 0, unchanged: 4, failed: 0 });
    expect(second.writes).toBe(0);
    expect(sent.writes()).toEqual([]);
    expect(sent.all.length).toBeGreaterThan(0); // it did read

    const { document } = await getState(rgw, doc);
    expect(document.spec).toEqual({
      topics: doc.spec.topics,
      notifications: doc.spec.notifications.map((n) => ({ ...n, events: n.events ?? ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] })),
    });
  });

  it('a changed topic is updated and its notifications re-created; plan shows it first without writing', async () => {
    const b = await bucket('cn-eng');
    await applyState(stateDoc(b, 'http://127.0.0.1:9/one'), rgw);
    const changed = stateDoc(b, 'http://127.0.0.1:9/moved');
    const sent = recordRequests(rgw);
    const plan = await planState(changed, rgw);
    expect(sent.writes()).toEqual([]);
    expect(plan).toMatchObject({ operation: 'plan', dryRun: true, writes: 0 });
    const topicItem = plan.items.find((i) => i.name === `${run}-eng`);
    expect(topicItem).toMatchObject({ action: 'updated', changes: [{ field: 'endpoint.http.uri', from: 'http://127.0.0.1:9/one', to: 'http://127.0.0.1:9/moved' }] });
    expect(plan.items.find((i) => i.name === `${b}/jpg`)).toMatchObject({ action: 'updated', reasons: [expect.stringMatching(/re-created/)] });
    expect(plan.items.find((i) => i.name === `${b}/meta`)).toMatchObject({ action: 'unchanged' });

    const applied = await applyState(changed, rgw);
    expect(applied.ok).toBe(true);
    expect(applied.items.filter((i) => i.kind !== 'warning' && i.action === 'updated').map((i) => i.name)).toEqual([`${run}-eng`, `${b}/jpg`]);
    // RGW's copy of the topic inside the notification now carries the new endpoint
    const { copies } = await listTopics(rgw.sns);
    expect(copies.get(`jpg_${run}-eng`)?.endpoint.uri).toBe('http://127.0.0.1:9/moved');
    expect((await applyState(changed, rgw)).writes).toBe(0);
  });

  it('moving a notification to another topic leaves one configuration, not two', async () => {
    const b = await bucket('cn-eng');
    const doc = stateDoc(b, 'http://127.0.0.1:9/one');
    await applyState(doc, rgw);
    const moved = parseState({ ...doc, spec: { ...doc.spec, notifications: [{ ...doc.spec.notifications[0]!, topic: `${run}-eng2` }, doc.spec.notifications[1]!] } });
    const report = await applyState(moved, rgw);
    expect(report.items.find((i) => i.name === `${b}/jpg`)).toMatchObject({ action: 'updated', changes: [{ field: 'topic' }] });
    expect((await getBucketNotifications(rgw.s3, b))!.filter((n) => n.id === 'jpg').map((n) => n.topic)).toEqual([`${run}-eng2`]);
  });

  it('works on S3/SNS clients made elsewhere (rgwFromClients)', async () => {
    const b = await bucket('cn-eng');
    const sns = snsFor(access);
    try {
      const report = await planState(stateDoc(b, 'http://127.0.0.1:9/one', 'ext'), rgwFromClients({ s3, sns, endpoint: access.endpoint }));
      expect(report.summary).toMatchObject({ created: 4, failed: 0 });
      expect(report.rgw.version).toMatch(releaseVersion);
    } finally {
      sns.destroy();
    }
  });

  it('per-item failures are in the report, the rest is applied', async () => {
    const b = await bucket('cn-eng');
    const doc = parseState({
      apiVersion: 'bucket-ml.io/v1alpha1',
      kind: 'NotificationState',
      spec: {
        topics: [{ name: `${run}-ok`, endpoint: { http: { uri: 'http://127.0.0.1:9/ok' } } }],
        notifications: [
          { bucket: b, id: 'fine', topic: `${run}-ok` },
          { bucket: uniqueName('cn-missing'), id: 'x', topic: `${run}-ok` },
        ],
      },
    });
    const report = await applyState(doc, rgw);
    expect(report.ok).toBe(false);
    expect(report.items.map((i) => (i.kind === 'warning' ? i.code : i.action))).toEqual(['created', 'created', 'failed']);
    expect(report.items[2]).toMatchObject({ error: { code: 'bucket_not_found', status: 404 } });
  });

  it('a topic with a password is refused by RGW over plain HTTP: a clear item error, the secret nowhere', async () => {
    const doc = parseState({
      apiVersion: 'bucket-ml.io/v1alpha1',
      kind: 'NotificationState',
      spec: { topics: [{ name: `${run}-secret`, endpoint: { amqp: { uri: 'amqp://user:Sup3rS3cret@127.0.0.1:5672', exchange: 'x' } } }] },
    });
    const plan = await planState(doc, rgw);
    expect(JSON.stringify(plan)).not.toContain('Sup3rS3cret');
    const report = await applyState(doc, rgw);
    // the error code RGW gives differs by release (measured): 16 InvalidInput, 18 InvalidArgument
    const answer = cephMajor(access) >= 18 ? /400 InvalidArgument.*HTTPS/ : /400 InvalidInput.*HTTPS/;
    expect(report.items[0]).toMatchObject({ action: 'failed', error: { code: 'rgw_rejected', status: 422, message: expect.stringMatching(answer) } });
    expect(JSON.stringify(report)).not.toContain('Sup3rS3cret');
  });

  it('delete removes notifications then topics, reports absent ones, warns about topics still in use', async () => {
    const b = await bucket('cn-eng');
    const doc = stateDoc(b, 'http://127.0.0.1:9/one', 'del');
    await applyState(doc, rgw);
    const partial = await deleteState({ topics: [`${run}-del2`], notifications: [] }, rgw, { dryRun: true });
    expect(partial.items.find((i) => i.kind === 'warning')).toMatchObject({ code: 'topic_still_used', message: expect.stringContaining(`${b}/meta`) });
    expect(partial.writes).toBe(0);

    const report = await deleteState(doc, rgw);
    expect(report.items.map((i) => [i.name, i.kind === 'warning' ? i.code : i.action])).toEqual([
      [`${run}-del`, 'deleted'],
      [`${run}-del2`, 'deleted'],
      [`${b}/jpg`, 'deleted'],
      [`${b}/meta`, 'deleted'],
    ]);
    expect(await getBucketNotifications(rgw.s3, b)).toEqual([]);
    const again = await deleteState(doc, rgw);
    expect(again.summary).toMatchObject({ absent: 4, deleted: 0 });
    expect(again.writes).toBe(0);
  });
});
