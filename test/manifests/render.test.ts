// Every overlay renders with the real kustomize (kubectl's), and renders what docs/deploy.md says.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reconcileEnvSchema } from '../../functions/configure-notify/src/reconcile/command.ts';
import { checkConfigKeys, Graph } from './support/graph.ts';
import { gvk, strMap, type K8sObject } from './support/objects.ts';
import { knativeDir, OVERLAYS, overlayDir } from './support/paths.ts';
import { kubectlVersion, render, renderUncached } from './support/render.ts';

const kinds = (objs: K8sObject[]): string[] => [...new Set(objs.map(gvk))].sort();
const named = (objs: K8sObject[], kind: string, name: string): K8sObject | undefined => objs.find((o) => o.kind === kind && o.metadata.name === name);

describe('kubectl kustomize renders every overlay', () => {
  it('kubectl with kustomize 5 is installed (the suite fails, never skips, without it)', async () => {
    const v = await kubectlVersion();
    expect(v.kustomize, `kubectl ${v.client} bundles kustomize ${v.kustomize}`).toMatch(/^v5\./);
  });

  for (const o of OVERLAYS) {
    it(`overlays/${o} renders, everything in namespace bucket-ml (but the Namespace itself)`, async () => {
      const objs = await render(overlayDir(o));
      expect(objs.length).toBeGreaterThan(10);
      for (const obj of objs) {
        if (obj.kind === 'Namespace') expect(obj.metadata.name).toBe('bucket-ml');
        else expect(obj.metadata.namespace, `${obj.kind} ${obj.metadata.name}`).toBe('bucket-ml');
      }
      expect(objs.filter((x) => x.apiVersion === 'serving.knative.dev/v1' && x.kind === 'Service').map((x) => x.metadata.name).sort()).toEqual(['classify', 'configure-notify', 'review', 'score']);
      expect(named(objs, 'Broker', 'bucket-ml')).toBeDefined();
    });
  }

  it('each overlay brings its own way in for events', async () => {
    const has = async (o: string): Promise<string[]> => kinds(await render(overlayDir(o)));
    expect(await has('cephsource')).toContain('sources.knative.dev/v1alpha1/CephSource');
    expect(await has('rook')).toEqual(expect.arrayContaining(['ceph.rook.io/v1/CephBucketTopic', 'ceph.rook.io/v1/CephBucketNotification', 'objectbucket.io/v1alpha1/ObjectBucketClaim']));
    for (const o of ['cephsource', 'rgw-cloudevents', 'openshift']) {
      const objs = await render(overlayDir(o));
      expect(objs.some((x) => x.kind === 'Job'), `${o}: the configure-notify Job applies the document`).toBe(true);
      expect(named(objs, 'ConfigMap', 'configure-notify-state'), `${o}: the document the Job applies`).toBeDefined();
    }
  });

  it('every overlay schedules the reconcile CronJob with settings its CLI accepts (issue 12)', async () => {
    for (const o of OVERLAYS) {
      const objs = await render(overlayDir(o));
      const cron = named(objs, 'CronJob', 'classify-reconcile');
      expect(cron, `${o}: CronJob classify-reconcile`).toBeDefined();
      const settings = strMap(named(objs, 'ConfigMap', 'classify-reconcile')?.data);
      const parsed = reconcileEnvSchema.safeParse({ ...settings, AWS_ENDPOINT_URL: 'http://rgw.example:8080', RESULTS_PREFIX: 'results/' });
      expect(parsed.error?.issues ?? [], `${o}: ConfigMap classify-reconcile`).toEqual([]);
      expect(settings.RECONCILE_TARGET, `${o}: reconcile sends into the Broker ingress`).toMatch(/broker-ingress\.knative-eventing\.svc\.cluster\.local\/bucket-ml\/bucket-ml$/);
    }
  });

  it('rook: no configure-notify Job and no Secret template (Rook converges the RGW; the bucket claim makes the Secret)', async () => {
    const objs = await render(overlayDir('rook'));
    expect(objs.filter((x) => x.kind === 'Job')).toEqual([]);
    expect(named(objs, 'Secret', 'bucket-ml-s3')).toBeUndefined();
    expect(named(objs, 'ObjectBucketClaim', 'bucket-ml-s3')).toBeDefined();
    expect(strMap(named(objs, 'ConfigMap', 'bucket-ml-s3-endpoint')?.data).AWS_ENDPOINT_URL).toMatch(/^http:\/\/rook-ceph-rgw-/);
  });

  it('openshift: images from the internal registry', async () => {
    const objs = await render(overlayDir('openshift'));
    const images = objs.filter((x) => x.kind === 'Service' && x.apiVersion === 'serving.knative.dev/v1' && x.metadata.name !== 'review').map((x) => JSON.stringify(x.spec));
    for (const spec of images) expect(spec).toContain('image-registry.openshift-image-registry.svc:5000/bucket-ml/');
  });

  it('platform/openshift (cluster admin) renders the KnativeEventing features', async () => {
    const objs = await render(path.join(knativeDir, 'platform/openshift'));
    expect(objs.map(gvk)).toEqual(['operator.knative.dev/v1beta1/KnativeEventing']);
  });
});

describe('what docs/deploy.md tells users to write renders as it says', () => {
  const scratch = mkdtemp(path.join(tmpdir(), 'bucket-ml-overlay-'));
  afterAll(async () => rm(await scratch, { recursive: true, force: true }));

  /** Writes a kustomization (paths in it are made relative to where it is written) and renders it. */
  async function overlay(files: (rel: (target: string) => string) => Record<string, string>): Promise<K8sObject[]> {
    const dir = path.join(await scratch, String(Math.random()).slice(2));
    await mkdir(dir, { recursive: true });
    for (const [f, text] of Object.entries(files((target) => path.relative(dir, target)))) await writeFile(path.join(dir, f), text);
    return renderUncached(dir);
  }

  it('the private overlay of docs/deploy.md replaces the Secret templates, merges settings and pins the images', async () => {
    const objs = await overlay((rel) => ({
      'kustomization.yaml': [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'namespace: bucket-ml',
        `resources: [${rel(overlayDir('rgw-cloudevents'))}]`,
        'secretGenerator:',
        '  - { name: bucket-ml-s3, behavior: replace, envs: [s3.env], options: { disableNameSuffixHash: true } }',
        '  - { name: configure-notify-token, behavior: replace, envs: [token.env], options: { disableNameSuffixHash: true } }',
        'configMapGenerator:',
        '  - { name: bucket-ml-s3-endpoint, behavior: merge, literals: [AWS_ENDPOINT_URL=http://rgw.storage.svc:8080], options: { disableNameSuffixHash: true } }',
        '  - { name: classify-config, behavior: merge, literals: [ALLOWED_BUCKETS=photos], options: { disableNameSuffixHash: true } }',
        'images:',
        '  - { name: bucket-ml/classify, newName: quay.io/you/classify, digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000" }',
      ].join('\n'),
      's3.env': 'AWS_ACCESS_KEY_ID=AKIAREAL\nAWS_SECRET_ACCESS_KEY=real-secret\n',
      'token.env': 'token=0123456789abcdef0123456789abcdef\n',
    }));
    const secret = named(objs, 'Secret', 'bucket-ml-s3');
    expect(secret?.metadata.namespace).toBe('bucket-ml');
    expect(Buffer.from(strMap(secret?.data).AWS_ACCESS_KEY_ID ?? '', 'base64').toString()).toBe('AKIAREAL');
    expect(JSON.stringify(objs.filter((o) => o.kind === 'Secret'))).not.toContain('REPLACE_ME');
    const endpoint = strMap(named(objs, 'ConfigMap', 'bucket-ml-s3-endpoint')?.data);
    expect(endpoint).toMatchObject({ AWS_ENDPOINT_URL: 'http://rgw.storage.svc:8080', AWS_REGION: 'us-east-1' });
    expect(strMap(named(objs, 'ConfigMap', 'classify-config')?.data)).toMatchObject({ ALLOWED_BUCKETS: 'photos', MODEL_URL: expect.stringMatching(/^s3:\/\//) });
    expect(JSON.stringify(named(objs, 'Service', 'classify'))).toContain('quay.io/you/classify@sha256:');
    // the names the Services reference survive (no hash suffixes)
    expect(checkConfigKeys(new Graph(objs))).toEqual([]);
  });

  it('the OpenShift component composes with the Rook overlay (OpenShift Data Foundation)', async () => {
    const objs = await overlay((rel) => ({
      'kustomization.yaml': [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${rel(overlayDir('rook'))}]`,
        `components: [${rel(path.join(knativeDir, 'components/openshift'))}]`,
      ].join('\n'),
    }));
    expect(named(objs, 'CephBucketTopic', 'bucket-ml-broker')).toBeDefined();
    expect(JSON.stringify(named(objs, 'Service', 'classify'))).toContain('image-registry.openshift-image-registry.svc:5000/bucket-ml/classify');
  });
});
