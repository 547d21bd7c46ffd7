// Issue 9, defect 4, statically: in every overlay each function can read its s3:// models with the
// credentials the render gives it. On Rook the functions' own claim reads one bucket only, so model
// loading gets the models claim's Secret (bucket-ml-models). The read itself is proven on the real
// RGW by test/e2e/model-credentials.e2e.test.ts.
import { describe, expect, it } from 'vitest';
import { Graph } from './support/graph.ts';
import { checkModelAccess } from './support/model-access.ts';
import { at, clone, type K8sObject, strMap, the } from './support/objects.ts';
import { OVERLAYS, overlayDir } from './support/paths.ts';
import { render } from './support/render.ts';

const env = (o: K8sObject): Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }> =>
  at(o, 'spec.template.spec.containers.0.env') as never;

describe('every function can read its models', () => {
  for (const o of OVERLAYS) {
    it(`overlays/${o}`, async () => {
      expect(checkModelAccess(new Graph(await render(overlayDir(o))))).toEqual([]);
    });
  }

  it('classify and score take model credentials from bucket-ml-models, optionally', async () => {
    const objs = await render(overlayDir('rgw-cloudevents'));
    for (const fn of ['classify', 'score']) {
      const refs = env(the(objs, 'Service', fn)).filter((e) => e.name.startsWith('MODEL_S3_'));
      expect(refs.map((e) => [e.name, e.valueFrom?.secretKeyRef])).toEqual([
        ['MODEL_S3_ACCESS_KEY_ID', { name: 'bucket-ml-models', key: 'AWS_ACCESS_KEY_ID', optional: true }],
        ['MODEL_S3_SECRET_ACCESS_KEY', { name: 'bucket-ml-models', key: 'AWS_SECRET_ACCESS_KEY', optional: true }],
      ]);
    }
    // empty: the functions fall back to their own credentials
    expect(strMap(the(objs, 'Secret', 'bucket-ml-models').stringData)).toEqual({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
  });

  it("rook: the models claim makes the Secret, owning the bucket MODEL_URL names", async () => {
    const objs = await render(overlayDir('rook'));
    expect(objs.find((x) => x.kind === 'Secret' && x.metadata.name === 'bucket-ml-models')).toBeUndefined();
    expect(at(the(objs, 'ObjectBucketClaim', 'bucket-ml-models'), 'spec.bucketName')).toBe('models');
    expect(strMap(the(objs, 'ConfigMap', 'classify-config').data).MODEL_URL).toMatch(/^s3:\/\/models\//);
  });

  it('rejects Rook without model credentials (the claim user reads photos only), and a claim for another bucket', async () => {
    const without = clone(await render(overlayDir('rook')));
    for (const fn of ['classify', 'score']) {
      const c = at(the(without, 'Service', fn), 'spec.template.spec.containers.0') as { env: Array<{ name: string }> };
      c.env = c.env.filter((e) => !e.name.startsWith('MODEL_S3_'));
    }
    const problems = checkModelAccess(new Graph(without)).join('\n');
    expect(problems).toMatch(/Service bucket-ml\/classify: reads s3:\/\/models\/ with its own S3 credentials .* ObjectBucketClaim bucket-ml\/bucket-ml-s3 whose user can read bucket photos only/);
    expect(problems).toMatch(/Service bucket-ml\/score: reads s3:\/\/models\//);

    const other = clone(await render(overlayDir('rook')));
    (the(other, 'ObjectBucketClaim', 'bucket-ml-models').spec as { bucketName: string }).bucketName = 'weights';
    expect(checkModelAccess(new Graph(other)).join('\n')).toMatch(/reads s3:\/\/models\/ with MODEL_S3_ACCESS_KEY_ID, made by ObjectBucketClaim bucket-ml\/bucket-ml-models whose user can read bucket weights only/);
  });
});
