// Every rendered object validates against a real schema; and each validator rejects what it should.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clone, describeObject, type K8sObject } from './support/objects.ts';
import { knativeDir, OVERLAYS, overlayDir } from './support/paths.ts';
import { render } from './support/render.ts';
import { validateObject } from './support/schemas.ts';

const find = (objs: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind} ${name} not rendered`);
  return clone(o);
};

describe('every rendered object validates against its schema', () => {
  for (const o of [...OVERLAYS.map((x) => `overlays/${x}`), 'platform/openshift']) {
    it(`${o}`, async () => {
      const objs = await render(path.join(knativeDir, o));
      const problems = objs.flatMap((x) => validateObject(x).map((p) => `${describeObject(x)}: ${p}`));
      expect(problems).toEqual([]);
    });
  }
});

describe('each validator rejects a broken object', () => {
  it('kubernetes-models (core): a Deployment with replicas "one"', async () => {
    const d = find(await render(overlayDir('cephsource')), 'Deployment', 'dead-letters');
    (d.spec as { replicas: unknown }).replicas = 'one';
    expect(validateObject(d).join('\n')).toMatch(/replicas must be integer/);
  });

  it('kubernetes-models (core): a Service port without its port number', async () => {
    const s = find(await render(overlayDir('cephsource')), 'Service', 'ceph-notifications');
    (s.spec as { ports: Array<Record<string, unknown>> }).ports[0] = { name: 'http', targetPort: 8888 };
    expect(validateObject(s).join('\n')).toMatch(/port/);
  });

  it('@kubernetes-models/knative: a Knative Service with containerConcurrency "two"', async () => {
    const s = find(await render(overlayDir('rook')), 'Service', 'classify');
    (s.spec as { template: { spec: { containerConcurrency: unknown } } }).template.spec.containerConcurrency = 'two';
    expect(validateObject(s).join('\n')).toMatch(/containerConcurrency must be integer/);
  });

  it('Trigger: a misspelt field (the API server would prune it, leaving a match-all Trigger)', async () => {
    const t = find(await render(overlayDir('rook')), 'Trigger', 'classify-put');
    const spec = t.spec as Record<string, unknown>;
    spec.filtres = spec.filters;
    delete spec.filters;
    expect(validateObject(t).join('\n')).toMatch(/filtres/);
  });

  it('Trigger: a suffix filter naming two attributes, an unknown dialect, an upper-case attribute', async () => {
    const t = find(await render(overlayDir('rook')), 'Trigger', 'classify-put');
    (t.spec as { filters: unknown[] }).filters = [{ suffix: { subject: '.jpg', type: 'x' } }, { regex: { subject: '.*' } }, { exact: { Type: 'x' } }];
    const problems = validateObject(t).join('\n');
    expect(problems).toMatch(/filters\/0\/suffix/);
    expect(problems).toMatch(/filters\/1.*regex/);
    expect(problems).toMatch(/filters\/2\/exact/);
  });

  it('Broker and Trigger delivery: an invalid duration and backoff policy', async () => {
    const b = find(await render(overlayDir('rook')), 'Broker', 'bucket-ml');
    Object.assign((b.spec as { delivery: object }).delivery, { timeout: '30s', backoffPolicy: 'fibonacci' });
    const problems = validateObject(b).join('\n');
    expect(problems).toMatch(/timeout/);
    expect(problems).toMatch(/backoffPolicy/);
  });

  it('CephSource (eventing-ceph): a port that is not a uint16 and a misspelt sink', async () => {
    const s = find(await render(overlayDir('cephsource')), 'CephSource', 'ceph-notifications');
    const spec = s.spec as Record<string, unknown>;
    spec.port = '99999';
    spec.sinc = spec.sink;
    delete spec.sink;
    const problems = validateObject(s).join('\n');
    expect(problems).toMatch(/port/);
    expect(problems).toMatch(/sinc|sink/);
  });

  it('CephBucketTopic (Rook CRD): no objectStoreName, an unknown endpoint field', async () => {
    const t = find(await render(overlayDir('rook')), 'CephBucketTopic', 'bucket-ml-broker');
    const spec = t.spec as { objectStoreName?: string; endpoint: { http: Record<string, unknown> } };
    delete spec.objectStoreName;
    spec.endpoint.http.cloudevents = true;
    const problems = validateObject(t).join('\n');
    expect(problems).toMatch(/objectStoreName/);
    expect(problems).toMatch(/cloudevents/);
  });

  it('CephBucketNotification (Rook CRD): an event name Rook does not know', async () => {
    const n = find(await render(overlayDir('rook')), 'CephBucketNotification', 'bucket-ml-images');
    (n.spec as { events: string[] }).events = ['ObjectCreated:*'];
    expect(validateObject(n).join('\n')).toMatch(/events\/0 must be equal to one of the allowed values/);
  });

  it('ObjectBucketClaim (lib-bucket-provisioner CRD): a misspelt field', async () => {
    const c = find(await render(overlayDir('rook')), 'ObjectBucketClaim', 'bucket-ml-s3');
    (c.spec as Record<string, unknown>).bucketname = 'photos';
    expect(validateObject(c).join('\n')).toMatch(/bucketname/);
  });

  it('an object of a kind no schema covers is an error, not a pass', () => {
    const o: K8sObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(validateObject(o).join('\n')).toMatch(/no schema known for example.com\/v1\/Widget/);
  });
});
