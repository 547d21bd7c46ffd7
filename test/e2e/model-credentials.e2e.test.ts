// Issue 9, defect 4, on the real RGW. On Rook the functions' S3 user is an ObjectBucketClaim's: Rook
// gives it MaxBuckets 1 and its own bucket only (rook pkg/operator/ceph/object/bucket/provisioner.go),
// so it cannot read s3://models/…; model loading has its own credentials (MODEL_S3_*), which the Rook
// overlay takes from a second claim owning the models bucket (knative/overlays/rook/models-claim.yaml).
// Both users are made here as Rook makes them: radosgw-admin, max-buckets 1, one bucket each.
import { readdir, readFile } from 'node:fs/promises';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientFor } from '../../packages/core/src/s3.ts';
import { startFunction, type RunningFunction } from '../support/function-process.ts';
import { sharedPath } from '../support/paths.ts';
import { rgwAdmin, type RgwUser } from '../support/rgw-admin.ts';
import { rgwAccess, uniqueName } from '../support/rgw-clients.ts';

const MODEL_DIR = 'mobilenet_v1_0.75_224';

describe('model loading with its own credentials, users limited like Rook bucket claims', () => {
  const rgw = rgwAccess();
  const admin = rgwAdmin();
  const photos = uniqueName('claim-photos');
  const models = uniqueName('claim-models');
  const modelUrl = `s3://${models}/${MODEL_DIR}/model.json`;
  let claimUser: RgwUser;
  let modelsUser: RgwUser;
  let asClaim: S3Client;
  let asModels: S3Client;
  const clientFor = (u: RgwUser): S3Client => s3ClientFor({ endpoint: rgw.endpoint, region: rgw.region, credentials: { accessKeyId: u.accessKey, secretAccessKey: u.secretKey } });
  const functionEnv = (extra: Record<string, string>): Record<string, string> => ({
    AWS_ENDPOINT_URL: rgw.endpoint,
    AWS_REGION: rgw.region,
    AWS_ACCESS_KEY_ID: claimUser.accessKey,
    AWS_SECRET_ACCESS_KEY: claimUser.secretKey,
    MODEL_URL: modelUrl,
    ...extra,
  });

  beforeAll(async () => {
    claimUser = await admin.createUser(uniqueName('obc-photos'), { maxBuckets: 1 });
    modelsUser = await admin.createUser(uniqueName('obc-models'), { maxBuckets: 1 });
    asClaim = clientFor(claimUser);
    asModels = clientFor(modelsUser);
    await asClaim.send(new CreateBucketCommand({ Bucket: photos }));
    await asClaim.send(new PutObjectCommand({ Bucket: photos, Key: 'dog.jpg', Body: await readFile(sharedPath('images/dog.jpg')), ContentType: 'image/jpeg' }));
    await asModels.send(new CreateBucketCommand({ Bucket: models }));
    for (const f of await readdir(sharedPath('models', MODEL_DIR))) {
      if (f === 'SOURCE.md') continue;
      await asModels.send(new PutObjectCommand({ Bucket: models, Key: `${MODEL_DIR}/${f}`, Body: await readFile(sharedPath('models', MODEL_DIR, f)) }));
    }
  });

  afterAll(async () => {
    asClaim?.destroy();
    asModels?.destroy();
    for (const u of [claimUser, modelsUser]) if (u) await admin.removeUser(u.uid).catch(() => {});
  });

  it("the claim's user owns one bucket, may create no other, and cannot read the models", async () => {
    await expect(asClaim.send(new CreateBucketCommand({ Bucket: uniqueName('second') }))).rejects.toMatchObject({ name: 'TooManyBuckets' });
    await expect(asClaim.send(new GetObjectCommand({ Bucket: models, Key: `${MODEL_DIR}/model.json` }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expect(asClaim.send(new ListObjectsV2Command({ Bucket: models }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });

  it('without model credentials classify refuses to start and says whose keys were denied and what to set', async () => {
    const failed = await startFunction('classify', functionEnv({}), 60_000).then(
      async (fn: RunningFunction) => {
        await fn.stop();
        return undefined;
      },
      (error: Error) => error.message,
    );
    expect(failed, 'classify became ready with credentials that cannot read the model').toBeDefined();
    expect(failed).toMatch(/exited before it was ready/);
    expect(failed).toContain(`"msg":"cannot start"`);
    expect(failed).toContain(`reading s3://${models}/${MODEL_DIR}/`);
    expect(failed).toContain("with the function's own S3 credentials (MODEL_S3_ACCESS_KEY_ID is unset");
    expect(failed).toMatch(/access denied by the object store/);
  });

  it('with them classify loads the model from s3:// and classifies a photo of the claimed bucket with the claim credentials', async () => {
    const fn = await startFunction('classify', functionEnv({ MODEL_S3_ACCESS_KEY_ID: modelsUser.accessKey, MODEL_S3_SECRET_ACCESS_KEY: modelsUser.secretKey }), 90_000);
    try {
      const ready = fn.logs().find((l) => l.msg === 'ready' || l.message === 'ready');
      expect(ready, fn.output()).toBeDefined();
      const res = await fetch(fn.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: photos }, object: { key: 'dog.jpg' } } }] }),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      const stored = await asClaim.send(new ListObjectsV2Command({ Bucket: photos, Prefix: 'results/dog.jpg/' }));
      expect(stored.Contents?.length).toBe(1);
      const doc = JSON.parse(await (await asClaim.send(new GetObjectCommand({ Bucket: photos, Key: stored.Contents![0]!.Key! }))).Body!.transformToString()) as { top: { label: string } };
      expect(doc.top.label).toMatch(/malamute/);
    } finally {
      await fn.stop();
    }
  });
});
