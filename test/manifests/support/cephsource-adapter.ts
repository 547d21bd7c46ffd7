// What eventing-ceph's controller makes of a CephSource, built from the rendered CephSource the way the
// upstream code builds it (knative-extensions/eventing-ceph at commit 6307f775):
// - pkg/reconciler/ceph/cephsource.go passes Labels: resources.Labels(src.Name) to MakeReceiveAdapter;
// - pkg/reconciler/ceph/resources/labels.go: Labels(name) = {eventing.knative.dev/source:
//   "ceph-source-controller" (controllerAgentName), eventing.knative.dev/sourceName: name};
// - pkg/reconciler/ceph/resources/receive_adapter.go: a Deployment in the source's namespace whose
//   selector and pod template carry those labels, one container "receive-adapter" with env PORT =
//   spec.port (pkg/adapter/adapter.go listens on it) and only a "metrics" port (9090) declared.
// The controller creates no Service: the one RGW pushes to is ours (knative/overlays/cephsource).
import { arr, at, describeObject, str, strMap, type K8sObject } from './objects.ts';
import type { Graph } from './graph.ts';

/** resources.Labels(name): the labels of the receive adapter's Deployment and pods. */
export function cephSourceAdapterLabels(sourceName: string): Record<string, string> {
  return { 'eventing.knative.dev/source': 'ceph-source-controller', 'eventing.knative.dev/sourceName': sourceName };
}

/** resources.MakeReceiveAdapter for a rendered CephSource (the name: kmeta.ChildName of the source's UID, unknown here). */
export function cephSourceReceiveAdapter(src: K8sObject): K8sObject {
  const labels = cephSourceAdapterLabels(src.metadata.name);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `cephsource-${src.metadata.name}-<uid>`, ...(src.metadata.namespace ? { namespace: src.metadata.namespace } : {}), labels },
    spec: {
      selector: { matchLabels: labels },
      replicas: 1,
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: str(at(src, 'spec.serviceAccountName')) ?? 'default',
          containers: [
            {
              name: 'receive-adapter',
              image: 'ko://knative.dev/eventing-ceph/cmd/receive_adapter',
              env: [
                { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'NAME', value: src.metadata.name },
                { name: 'PORT', value: str(at(src, 'spec.port')) ?? '' },
                { name: 'METRICS_DOMAIN', value: 'knative.dev/eventing' },
              ],
              ports: [{ name: 'metrics', containerPort: 9090 }],
            },
          ],
        },
      },
    },
  };
}

/** A Service selects a pod when its selector is non-empty and every pair is among the pod's labels. */
export function selects(service: K8sObject, podLabels: Record<string, string>): boolean {
  const selector = strMap(at(service, 'spec.selector'));
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => podLabels[k] === v);
}

/** The port a Service's targetPort reaches on the adapter: a number, or a name among the container's ports. */
function targetPortNumber(port: unknown, adapter: K8sObject): number | undefined {
  const target = at(port, 'targetPort') ?? at(port, 'port');
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  const named = arr(at(adapter, 'spec.template.spec.containers.0.ports')).find((p) => at(p, 'name') === target);
  const n = at(named, 'containerPort');
  return typeof n === 'number' ? n : undefined;
}

/** Every CephSource has a Service in its namespace that selects its adapter's pods on the port the adapter listens on. */
export function checkCephSourceServices(g: Graph): string[] {
  return g.ofKind('sources.knative.dev/v1alpha1', 'CephSource').flatMap((src) => {
    const adapter = cephSourceReceiveAdapter(src);
    const podLabels = strMap(at(adapter, 'spec.template.metadata.labels'));
    const listens = Number(arr(at(adapter, 'spec.template.spec.containers.0.env')).map((e) => (at(e, 'name') === 'PORT' ? str(at(e, 'value')) : undefined)).find(Boolean));
    const services = g.ofKind('v1', 'Service').filter((svc) => svc.metadata.namespace === src.metadata.namespace && selects(svc, podLabels));
    if (services.length === 0) return [`${describeObject(src)}: no Service selects its receive adapter's pods (${JSON.stringify(podLabels)}): RGW has nothing to push to`];
    return services.flatMap((svc) =>
      arr(at(svc, 'spec.ports')).some((p) => targetPortNumber(p, adapter) === listens) ? [] : [`${describeObject(svc)}: no port targets the adapter's port ${listens} (CephSource spec.port)`],
    );
  });
}
