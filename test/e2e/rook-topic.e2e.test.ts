// The Rook overlay's CephBucketTopic and CephBucketNotification, as rendered, set up on the run's real RGW
// the way Rook's operator would (topic named after the CephBucketTopic, notification after the
// CephBucketNotification, on the claimed bucket), through configure-notify, whose fields are Rook's:
// proves the overlay's topic options (persistent, sendCloudEvents, the image-key regex) are what RGW
// accepts and acts on. The push goes to a local receiver instead of the in-cluster Broker ingress.
// Runs on every release of the run: 17+ pushes CloudEvents, 16 plain JSON (Rook's overlay needs 17+).
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyState, deleteState } from '../../functions/configure-notify/src/engine.ts';
import type { Rgw } from '../../functions/configure-notify/src/rgw/client.ts';
import { parseState } from '../../functions/configure-notify/src/state/schema.ts';
import { testRgw } from '../../functions/configure-notify/test/support/rgw.ts';
import { render } from '../manifests/support/render.ts';
import type { JsonObject, K8sObject } from '../manifests/support/objects.ts';
import { repoRoot } from '../support/paths.ts';
import { startRecorder, waitFor } from '../support/recorder.ts';
import { cephMajor, rgwAccess, s3For, uniqueName } from '../support/rgw-clients.ts';

const access = rgwAccess();

function only(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, `one ${kind} in the rook overlay`).toHaveLength(1);
  return found[0]!;
}

describe(`the Rook overlay's bucket topic on RGW ${access.release}`, () => {
  let rgw: Rgw;
  let s3: S3Client;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let document: ReturnType<typeof parseState>;
  const bucket = uniqueName('rook-claim');

  beforeAll(async () => {
    rgw = testRgw();
    s3 = s3For(access);
    recorder = await startRecorder();
    const objects = await render(`${repoRoot}/knative/overlays/rook`);
    const topic = only(objects, 'CephBucketTopic');
    const notification = only(objects, 'CephBucketNotification');
    // Rook's own placement fields name the CephObjectStore; everything else is RGW's topic, field for field
    const { objectStoreName: _store, objectStoreNamespace: _ns, ...topicSpec } = topic.spec as JsonObject;
    const endpoint = topicSpec.endpoint as { http: JsonObject };
    const name = `${String(topic.metadata.name)}-${bucket}`;
    document = parseState({
      apiVersion: 'bucket-ml.io/v1alpha1',
      kind: 'NotificationState',
      spec: {
        topics: [{ ...topicSpec, name, endpoint: { http: { ...endpoint.http, uri: recorder.url } } }],
        notifications: [{ ...(notification.spec as JsonObject), bucket, id: String(notification.metadata.name), topic: name }],
      },
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    if (rgw && document) await deleteState(document, rgw);
    await recorder?.close();
    rgw?.destroy();
    s3?.destroy();
  });

  it('is persistent, pushes CloudEvents (17+), and notifies for image keys only', { timeout: 90_000 }, async () => {
    expect(document.spec.topics[0]).toMatchObject({ persistent: true, endpoint: { http: { sendCloudEvents: true } } });
    const report = await applyState(document, rgw);
    expect(report.summary).toMatchObject({ created: 2, failed: 0 });
    for (const key of ['uploads/cat.jpeg', 'uploads/notes.txt', 'uploads/scan.png']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `content of ${key}` }));
    }
    // a new persistent queue is picked up at RGW's next queue scan (every 30 s)
    await waitFor(() => recorder.deliveries.length >= 2, 75_000, 'the two image notifications');
    await new Promise((r) => setTimeout(r, 500));
    const subjects = recorder.deliveries.map((d) => (JSON.parse(d.body) as { Records: Array<{ s3: { object: { key: string } } }> }).Records[0]!.s3.object.key);
    expect(subjects.sort()).toEqual(['uploads/cat.jpeg', 'uploads/scan.png']);
    for (const d of recorder.deliveries) {
      if (cephMajor(access) >= 17) {
        expect(d.headers).toMatchObject({ 'ce-specversion': '1.0', 'ce-type': 'com.amazonaws.ObjectCreated:Put', 'ce-source': `ceph:s3.default.${bucket}` });
      } else {
        expect(Object.keys(d.headers).filter((h) => h.startsWith('ce-'))).toEqual([]); // what the overlay's "Ceph 17+" is about
      }
    }
  });
});
