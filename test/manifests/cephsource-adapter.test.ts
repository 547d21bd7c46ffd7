// Defect 1 of issue 9: RGW pushes to the Service in front of eventing-ceph's receive adapter, so that
// Service must select the pods the controller really makes (built here from the rendered CephSource
// as upstream builds them, support/cephsource-adapter.ts) and target the port the adapter listens on.
import { describe, expect, it } from 'vitest';
import { cephSourceReceiveAdapter, checkCephSourceServices, selects } from './support/cephsource-adapter.ts';
import { Graph } from './support/graph.ts';
import { at, clone, strMap, the } from './support/objects.ts';
import { overlayDir } from './support/paths.ts';
import { render } from './support/render.ts';
import { validateObject } from './support/schemas.ts';


describe('overlays/cephsource: the adapter Service reaches the receive adapter', async () => {
  const objs = await render(overlayDir('cephsource'));
  const source = the(objs, 'CephSource', 'ceph-notifications');
  const service = the(objs, 'Service', 'ceph-notifications');
  const adapter = cephSourceReceiveAdapter(source);

  it('the adapter built from the CephSource is a valid Deployment whose selector matches its pods', () => {
    expect(validateObject(adapter)).toEqual([]);
    expect(strMap(at(adapter, 'spec.template.metadata.labels'))).toEqual({
      'eventing.knative.dev/source': 'ceph-source-controller',
      'eventing.knative.dev/sourceName': 'ceph-notifications',
    });
    expect(strMap(at(adapter, 'spec.selector.matchLabels'))).toEqual(strMap(at(adapter, 'spec.template.metadata.labels')));
  });

  it('the Service selects the adapter pods and targets the CephSource spec.port', () => {
    expect(selects(service, strMap(at(adapter, 'spec.template.metadata.labels')))).toBe(true);
    expect(service.metadata.namespace).toBe(source.metadata.namespace);
    expect((at(service, 'spec.ports') as unknown[]).map((p) => String(at(p, 'targetPort')))).toContain(at(source, 'spec.port'));
    expect(checkCephSourceServices(new Graph(objs))).toEqual([]);
  });

  it('rejects the labels eventing-ceph stopped setting, a port that misses, a Service in another namespace', () => {
    const old = clone(objs);
    the(old, 'Service', 'ceph-notifications').spec = {
      ...(the(old, 'Service', 'ceph-notifications').spec as object),
      selector: { 'knative-eventing-source': 'ceph-controller', 'knative-eventing-source-name': 'ceph-notifications' },
    };
    expect(checkCephSourceServices(new Graph(old)).join('\n')).toMatch(/no Service selects its receive adapter's pods/);

    const port = clone(objs);
    (the(port, 'CephSource', 'ceph-notifications').spec as { port: string }).port = '9999';
    expect(checkCephSourceServices(new Graph(port)).join('\n')).toMatch(/no port targets the adapter's port 9999/);

    const named = clone(objs);
    (the(named, 'Service', 'ceph-notifications').spec as { ports: Array<Record<string, unknown>> }).ports[0]!.targetPort = 'metrics';
    expect(checkCephSourceServices(new Graph(named)).join('\n')).toMatch(/no port targets the adapter's port 8888/);

    const elsewhere = clone(objs);
    the(elsewhere, 'Service', 'ceph-notifications').metadata.namespace = 'default';
    expect(checkCephSourceServices(new Graph(elsewhere)).join('\n')).toMatch(/no Service selects/);
  });
});
