// RGW's own CloudEvents into the Broker: the rgw-cloudevents overlay's configure-notify state, as rendered,
// applied to the run's real RGW with its push endpoint pointed at the Broker ingress stand-in (same
// /<namespace>/<broker> path), with the overlay's Triggers delivering to the real classify. Once as the
// overlay declares it (persistent) and once non-persistent. Release-conditioned: RGW 17+ sends binary-mode
// CloudEvents, which the ingress accepts (202); RGW 16 ignores cloudevents=true and sends plain JSON,
// which the ingress refuses (400: not a CloudEvent) — why the overlay needs Ceph 17+.
import { readFile } from 'node:fs/promises';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyState, deleteState } from '../../functions/configure-notify/src/engine.ts';
import type { Rgw } from '../../functions/configure-notify/src/rgw/client.ts';
import { parseState, type NotificationState } from '../../functions/configure-notify/src/state/schema.ts';
import { testRgw } from '../../functions/configure-notify/test/support/rgw.ts';
import { startEventing, type BrokerRecord, type Eventing } from '../../packages/local/src/eventing/index.ts';
import { overlayDir } from '../manifests/support/paths.ts';
import { render } from '../manifests/support/render.ts';
import { startFunction } from '../support/function-process.ts';
import { sharedPath } from '../support/paths.ts';
import { waitFor } from '../support/recorder.ts';
import { awsEnvFor, cephMajor, rgwAccess, s3For, uniqueName } from '../support/rgw-clients.ts';

const access = rgwAccess();
const native = cephMajor(access) >= 17;
const MODEL_URL = `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}`;

describe(`RGW ${access.release} pushing to the Broker ingress as the rgw-cloudevents overlay declares`, () => {
  let rgw: Rgw;
  let s3: S3Client;
  let eventing: Eventing;
  let state: NotificationState;
  const bucket = uniqueName('broker-photos');

  beforeAll(async () => {
    rgw = testRgw();
    s3 = s3For(access);
    const objects = await render(overlayDir('rgw-cloudevents'));
    const fn = await startFunction('classify', { ...awsEnvFor(access), MODEL_URL });
    eventing = await startEventing({ objects, services: { classify: { url: fn.url } }, displays: ['review', 'dead-letters'] });
    const closeEventing = eventing.close;
    eventing.close = async () => {
      await closeEventing();
      await fn.stop();
    };
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'configure-notify-state') as unknown as { data: Record<string, string> };
    const declared = parseState(parse(cm.data['state.yaml']!));
    const [topic] = declared.spec.topics;
    const [notification] = declared.spec.notifications;
    expect(topic).toMatchObject({ persistent: true, endpoint: { http: { sendCloudEvents: true } } });
    // the in-cluster ingress URL, re-based on the stand-in: same /<namespace>/<broker> path
    const ingress = new URL(new URL(topic!.endpoint.http!.uri).pathname, eventing.broker.url).toString();
    expect(ingress).toBe(eventing.broker.ingressUrl);
    const topics = [
      { ...topic!, name: `${topic!.name}-${bucket}`, endpoint: { http: { ...topic!.endpoint.http!, uri: ingress } } },
      { ...topic!, name: `${topic!.name}-sync-${bucket}`, persistent: false, endpoint: { http: { ...topic!.endpoint.http!, uri: ingress } } },
    ];
    state = parseState({
      ...declared,
      spec: {
        topics,
        notifications: [
          { ...notification!, bucket, id: `${notification!.id}-queued`, topic: topics[0]!.name, filter: { keyFilters: [{ name: 'prefix', value: 'queued/' }] } },
          { ...notification!, bucket, id: `${notification!.id}-sync`, topic: topics[1]!.name, filter: { keyFilters: [{ name: 'prefix', value: 'sync/' }] } },
        ],
      },
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const report = await applyState(state, rgw);
    expect(report.summary).toMatchObject({ created: 4, failed: 0 });
  });

  afterAll(async () => {
    if (rgw && state) await deleteState(state, rgw);
    await eventing?.close();
    rgw?.destroy();
    s3?.destroy();
  });

  const ingressRecords = () => eventing.broker.records.filter((r): r is Extract<BrokerRecord, { kind: 'accepted' | 'rejected' }> => r.kind === 'accepted' || r.kind === 'rejected');
  const resultsFor = async (key: string) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `results/${key}/` }))).Contents ?? []).map((o) => o.Key!);

  it.each([
    ['non-persistent', 'sync/dog.jpg', 'dog.jpg', 15_000],
    // a new persistent queue: first delivery at RGW's next queue scan (≤ 30 s)
    ['persistent', 'queued/kite.jpg', 'kite.jpg', 75_000],
  ] as const)('%s topic: %s', { timeout: 120_000 }, async (_kind, key, photo, timeoutMs) => {
    const before = ingressRecords().length;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(sharedPath('images', photo)), ContentType: 'image/jpeg' }));
    if (native) {
      // RGW's CloudEvent accepted by the ingress, delivered by the overlay's Trigger to classify, whose
      // result event goes back into the Broker; one stored result
      await waitFor(
        () => eventing.broker.records.some((r) => r.kind === 'attempt' && r.trigger.startsWith('classify') && r.subject === key && r.verdict === 'ok'),
        timeoutMs,
        `classify's answer to the delivery of ${key}`,
      );
      const accepted = ingressRecords()
        .slice(before)
        .filter((r): r is Extract<BrokerRecord, { kind: 'accepted' }> => r.kind === 'accepted' && !r.reply && r.event.attributes.subject === key);
      expect(accepted).toHaveLength(1);
      expect(accepted[0]!.event.attributes).toMatchObject({ type: 'com.amazonaws.ObjectCreated:Put', source: `ceph:s3.default.${bucket}` });
      await waitFor(async () => (await resultsFor(key)).length === 1 || undefined, 30_000, `the stored result for ${key}`);
      expect(eventing.displays['dead-letters']!.events).toHaveLength(0);
    } else {
      // RGW 16: plain JSON to the ingress is no CloudEvent: 400, nothing delivered, nothing stored
      await waitFor(() => ingressRecords().slice(before).some((r) => r.kind === 'rejected') || undefined, timeoutMs, 'the ingress answer');
      expect(ingressRecords().slice(before).map((r) => (r.kind === 'rejected' ? r.status : 'accepted'))).toEqual([400]);
      expect(await resultsFor(key)).toEqual([]);
    }
  });
});
