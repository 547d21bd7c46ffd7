// The rendered objects as a graph, and the semantic checks over it. Each check returns its problems
// (empty = fine), so tests can assert both that the real render passes and that a mutation fails.
import { parse } from 'yaml';
import { arr, at, describeObject, isObject, obj, str, strMap, type Json, type K8sObject } from './objects.ts';

export class Graph {
  constructor(readonly objects: K8sObject[]) {}

  ofKind(apiVersion: string, kind: string): K8sObject[] {
    return this.objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind);
  }

  find(apiVersion: string, kind: string, name: string, namespace: string | undefined): K8sObject | undefined {
    return this.objects.find((o) => o.apiVersion === apiVersion && o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? undefined) === namespace);
  }

  get knativeServices(): K8sObject[] {
    return this.ofKind('serving.knative.dev/v1', 'Service');
  }
  get triggers(): K8sObject[] {
    return this.ofKind('eventing.knative.dev/v1', 'Trigger');
  }
  get brokers(): K8sObject[] {
    return this.ofKind('eventing.knative.dev/v1', 'Broker');
  }
}

/** Kinds that can receive events (are Addressable) and may therefore be a subscriber or sink. */
export const ADDRESSABLE = new Set([
  'serving.knative.dev/v1/Service',
  'v1/Service',
  'eventing.knative.dev/v1/Broker',
  'messaging.knative.dev/v1/Channel',
  'messaging.knative.dev/v1/InMemoryChannel',
  'eventing.knative.dev/v1alpha1/KafkaSink',
]);

function resolveRef(g: Graph, holder: K8sObject, ref: Json | undefined, where: string): string[] {
  if (!isObject(ref)) return [`${describeObject(holder)} ${where}: no ref`];
  const apiVersion = str(ref.apiVersion);
  const kind = str(ref.kind);
  const name = str(ref.name);
  const ns = str(ref.namespace) ?? holder.metadata.namespace;
  if (!apiVersion || !kind || !name) return [`${describeObject(holder)} ${where}: ref needs apiVersion, kind and name`];
  if (!ADDRESSABLE.has(`${apiVersion}/${kind}`)) return [`${describeObject(holder)} ${where}: ${apiVersion}/${kind} is not an addressable kind`];
  if (!g.find(apiVersion, kind, name, ns)) return [`${describeObject(holder)} ${where}: ${kind} ${ns}/${name} (${apiVersion}) is not in the render`];
  return [];
}

function destination(g: Graph, holder: K8sObject, dest: Json | undefined, where: string): string[] {
  if (!isObject(dest)) return [`${describeObject(holder)} ${where}: missing`];
  if (dest.ref === undefined) {
    return typeof dest.uri === 'string' ? checkUrl(g, dest.uri, `${describeObject(holder)} ${where}`, {}) : [`${describeObject(holder)} ${where}: neither ref nor uri`];
  }
  return resolveRef(g, holder, dest.ref, where);
}

/** Every Trigger's Broker exists in the Trigger's namespace. */
export function checkTriggerBrokers(g: Graph): string[] {
  return g.triggers.flatMap((t) => {
    const broker = str(at(t, 'spec.broker'));
    if (!broker) return [`${describeObject(t)}: no spec.broker`];
    return g.find('eventing.knative.dev/v1', 'Broker', broker, t.metadata.namespace) ? [] : [`${describeObject(t)}: Broker ${t.metadata.namespace}/${broker} is not in the render`];
  });
}

/** Every subscriber, sink and dead-letter sink resolves to an addressable object of the render. */
export function checkDestinations(g: Graph): string[] {
  const problems: string[] = [];
  for (const t of g.triggers) {
    problems.push(...destination(g, t, at(t, 'spec.subscriber'), 'spec.subscriber'));
    if (at(t, 'spec.delivery.deadLetterSink') !== undefined) problems.push(...destination(g, t, at(t, 'spec.delivery.deadLetterSink'), 'spec.delivery.deadLetterSink'));
  }
  for (const b of g.brokers) {
    if (at(b, 'spec.delivery.deadLetterSink') !== undefined) problems.push(...destination(g, b, at(b, 'spec.delivery.deadLetterSink'), 'spec.delivery.deadLetterSink'));
  }
  for (const s of g.ofKind('sources.knative.dev/v1alpha1', 'CephSource')) problems.push(...destination(g, s, at(s, 'spec.sink'), 'spec.sink'));
  return problems;
}

/**
 * Retry what failed, park what cannot succeed: each Trigger's effective delivery (its own, else its
 * Broker's) retries with exponential backoff, has a per-attempt timeout and a dead-letter sink.
 */
export function checkDelivery(g: Graph): string[] {
  return g.triggers.flatMap((t) => {
    const broker = g.find('eventing.knative.dev/v1', 'Broker', str(at(t, 'spec.broker')) ?? '', t.metadata.namespace);
    const own = obj(at(t, 'spec.delivery'));
    const inherited = obj(broker ? at(broker, 'spec.delivery') : undefined);
    const eff = (k: string): Json | undefined => own[k] ?? inherited[k];
    const p: string[] = [];
    const retry = eff('retry');
    if (typeof retry !== 'number' || retry < 1) p.push('retry >= 1');
    if (eff('backoffPolicy') !== 'exponential') p.push('backoffPolicy: exponential');
    if (typeof eff('backoffDelay') !== 'string') p.push('backoffDelay');
    if (typeof eff('timeout') !== 'string') p.push('timeout');
    if (eff('deadLetterSink') === undefined) p.push('deadLetterSink');
    return p.length ? [`${describeObject(t)}: effective delivery lacks ${p.join(', ')}`] : [];
  });
}

const BROKER_INGRESS = /^https?:\/\/(kafka-)?broker-ingress\.knative-eventing\.svc(?:\.cluster\.local)?(?::\d+)?\/([^/]+)\/([^/?#]+)\/?$/;
const IN_CLUSTER_SERVICE = /^https?:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?::(\d+))?(?:\/.*)?$/;

/** A Broker's class (annotation eventing.knative.dev/broker.class; Knative's default: MTChannelBasedBroker). */
export const brokerClass = (broker: K8sObject): string => strMap(broker.metadata.annotations)['eventing.knative.dev/broker.class'] ?? 'MTChannelBasedBroker';

/**
 * A URL an RGW topic pushes to must reach something of the render: a Broker through the eventing
 * ingress (and then as CloudEvents, the only thing a Broker accepts), or a Service on one of its ports.
 */
export function checkUrl(g: Graph, url: string, where: string, context: { cloudEvents?: boolean }): string[] {
  const b = BROKER_INGRESS.exec(url);
  if (b) {
    const [, , ns, name] = b;
    const broker = g.find('eventing.knative.dev/v1', 'Broker', name!, ns);
    if (!broker) return [`${where}: ${url} names Broker ${ns}/${name}, not in the render`];
    // Each Broker class has its own ingress: a push to the other one reaches no Broker.
    const kafka = brokerClass(broker) === 'Kafka';
    if (kafka !== Boolean(b[1])) return [`${where}: ${url} is the ${b[1] ? 'Kafka' : 'MTChannelBasedBroker'} ingress, but Broker ${ns}/${name} is of class ${brokerClass(broker)} (ingress ${kafka ? 'kafka-broker-ingress' : 'broker-ingress'}.knative-eventing)`];
    if (context.cloudEvents !== true) return [`${where}: ${url} is a Broker ingress, which accepts only CloudEvents: the topic must send CloudEvents (sendCloudEvents: true)`];
    return [];
  }
  const s = IN_CLUSTER_SERVICE.exec(url);
  if (s) {
    const [, name, ns, port] = s;
    const svc = g.find('v1', 'Service', name!, ns);
    if (!svc) return [`${where}: ${url} names Service ${ns}/${name}, not in the render`];
    const ports = arr(at(svc, 'spec.ports')).map((p) => at(p, 'port'));
    const wanted = port ? Number(port) : url.startsWith('https') ? 443 : 80;
    return ports.includes(wanted) ? [] : [`${where}: Service ${ns}/${name} has no port ${wanted}`];
  }
  return [`${where}: ${url} points at nothing this render deploys`];
}

/** Every http(s) URL in a configure-notify document, with the object that holds it. */
function urlsIn(node: Json, parent: Json | undefined, out: Array<{ url: string; holder: Json | undefined }>): void {
  if (typeof node === 'string' && /^https?:\/\//.test(node)) out.push({ url: node, holder: parent });
  else if (Array.isArray(node)) node.forEach((n) => urlsIn(n, node, out));
  else if (isObject(node)) Object.values(node).forEach((n) => urlsIn(n, node, out));
}

const sendsCloudEvents = (holder: Json | undefined): boolean => isObject(holder) && (holder.sendCloudEvents === true || holder.cloudevents === true || holder.cloudEvents === true);

/** Where RGW is told to push (configure-notify documents, Rook topics) reaches the render. */
export function checkPushEndpoints(g: Graph): string[] {
  const problems: string[] = [];
  for (const cm of g.ofKind('v1', 'ConfigMap').filter((c) => c.metadata.name === 'configure-notify-state')) {
    for (const [key, text] of Object.entries(strMap(cm.data))) {
      const found: Array<{ url: string; holder: Json | undefined }> = [];
      urlsIn(parse(text) as Json, undefined, found);
      if (found.length === 0) problems.push(`${describeObject(cm)} ${key}: no endpoint URL`);
      for (const { url, holder } of found) problems.push(...checkUrl(g, url, `${describeObject(cm)} ${key}`, { cloudEvents: sendsCloudEvents(holder) }));
    }
  }
  for (const topic of g.ofKind('ceph.rook.io/v1', 'CephBucketTopic')) {
    const http = obj(at(topic, 'spec.endpoint.http'));
    if (typeof http.uri === 'string') problems.push(...checkUrl(g, http.uri, describeObject(topic), { cloudEvents: http.sendCloudEvents === true }));
    else problems.push(`${describeObject(topic)}: no http endpoint (the Broker is reached over HTTP)`);
  }
  return problems;
}

/** Secrets and ConfigMaps Rook's bucket provisioner writes for an ObjectBucketClaim (named after it). */
export const OBC_SECRET_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
export const OBC_CONFIGMAP_KEYS = ['BUCKET_HOST', 'BUCKET_NAME', 'BUCKET_PORT', 'BUCKET_REGION', 'BUCKET_SUBREGION'];

/** The keys a Secret/ConfigMap of the render has, including those an ObjectBucketClaim will generate. */
export function declaredKeys(g: Graph, kind: 'Secret' | 'ConfigMap', name: string, ns: string | undefined): Set<string> | undefined {
  const o = g.find('v1', kind, name, ns);
  if (o) return new Set([...Object.keys(obj(o.data)), ...Object.keys(obj(o.stringData)), ...Object.keys(obj(o.binaryData))]);
  const obc = g.find('objectbucket.io/v1alpha1', 'ObjectBucketClaim', name, ns);
  if (obc) return new Set(kind === 'Secret' ? OBC_SECRET_KEYS : OBC_CONFIGMAP_KEYS);
  return undefined;
}

/** The pod spec of a workload (Knative Service, Deployment, Job, CronJob), or undefined for other kinds. */
export function podSpec(o: K8sObject): Json | undefined {
  if (o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1') return at(o, 'spec.template.spec');
  if (o.kind === 'Deployment' || o.kind === 'Job') return at(o, 'spec.template.spec');
  if (o.kind === 'CronJob') return at(o, 'spec.jobTemplate.spec.template.spec');
  return undefined;
}

/** Every Secret/ConfigMap key a workload reads (env, envFrom, volumes) is declared in the render. */
export function checkConfigKeys(g: Graph): string[] {
  const problems: string[] = [];
  for (const w of g.objects) {
    const spec = podSpec(w);
    if (spec === undefined) continue;
    const ns = w.metadata.namespace;
    const need = (kind: 'Secret' | 'ConfigMap', name: string | undefined, key: string | undefined, optional: boolean, where: string): void => {
      if (!name) return void problems.push(`${describeObject(w)} ${where}: no name`);
      const keys = declaredKeys(g, kind, name, ns);
      if (!keys) return void (optional || problems.push(`${describeObject(w)} ${where}: ${kind} ${ns}/${name} is not in the render`));
      if (key !== undefined && !keys.has(key) && !optional) problems.push(`${describeObject(w)} ${where}: ${kind} ${ns}/${name} has no key ${key}`);
    };
    for (const c of [...arr(at(spec, 'containers')), ...arr(at(spec, 'initContainers'))]) {
      const cname = str(at(c, 'name')) ?? '?';
      for (const e of arr(at(c, 'env'))) {
        const cm = at(e, 'valueFrom.configMapKeyRef');
        const sk = at(e, 'valueFrom.secretKeyRef');
        if (cm) need('ConfigMap', str(at(cm, 'name')), str(at(cm, 'key')), at(cm, 'optional') === true, `container ${cname} env ${str(at(e, 'name'))}`);
        if (sk) need('Secret', str(at(sk, 'name')), str(at(sk, 'key')), at(sk, 'optional') === true, `container ${cname} env ${str(at(e, 'name'))}`);
      }
      for (const ef of arr(at(c, 'envFrom'))) {
        if (at(ef, 'configMapRef')) need('ConfigMap', str(at(ef, 'configMapRef.name')), undefined, at(ef, 'configMapRef.optional') === true, `container ${cname} envFrom`);
        if (at(ef, 'secretRef')) need('Secret', str(at(ef, 'secretRef.name')), undefined, at(ef, 'secretRef.optional') === true, `container ${cname} envFrom`);
      }
    }
    for (const v of arr(at(spec, 'volumes'))) {
      for (const [field, kind, nameField] of [['configMap', 'ConfigMap', 'name'], ['secret', 'Secret', 'secretName']] as const) {
        const src = at(v, field);
        if (!src) continue;
        const name = str(at(src, nameField));
        const items = arr(at(src, 'items'));
        if (items.length === 0) need(kind, name, undefined, at(src, 'optional') === true, `volume ${str(at(v, 'name'))}`);
        for (const it of items) need(kind, name, str(at(it, 'key')), at(src, 'optional') === true, `volume ${str(at(v, 'name'))}`);
      }
    }
  }
  return problems;
}

/** Autoscaling annotations Knative Serving reads (docs: serving/autoscaling); anything else under the prefix is a typo Knative ignores. */
export const AUTOSCALING_ANNOTATIONS = new Set(
  ['class', 'metric', 'target', 'target-utilization-percentage', 'min-scale', 'max-scale', 'initial-scale', 'activation-scale', 'scale-down-delay', 'scale-to-zero-pod-retention-period', 'window', 'panic-window-percentage', 'panic-threshold-percentage', 'target-burst-capacity'].map((k) => `autoscaling.knative.dev/${k}`),
);
/** A Service that must keep pods warm says why, in this annotation. */
export const MIN_SCALE_REASON = 'bucket-ml.io/min-scale-reason';

/** Every Knative Service can scale to zero (unless it says why not), with the autoscaler that can. */
export function checkScaleToZero(g: Graph): string[] {
  return g.knativeServices.flatMap((s) => {
    const a = { ...strMap(at(s, 'metadata.annotations')), ...strMap(at(s, 'spec.template.metadata.annotations')) };
    const p: string[] = [];
    for (const k of Object.keys(a)) if (k.startsWith('autoscaling.knative.dev/') && !AUTOSCALING_ANNOTATIONS.has(k)) p.push(`unknown annotation ${k} (Knative ignores it)`);
    if (a['autoscaling.knative.dev/class'] === 'hpa.autoscaling.knative.dev') p.push('the HPA autoscaler class cannot scale to zero');
    const min = Number(a['autoscaling.knative.dev/min-scale'] ?? '0');
    if (min > 0 && !a[MIN_SCALE_REASON]) p.push(`min-scale ${min} keeps pods running: scale to zero, or justify it in ${MIN_SCALE_REASON}`);
    return p.map((x) => `${describeObject(s)}: ${x}`);
  });
}

/** Rook: each notification's topic exists, each is attached to a bucket claim, each label names one. */
export function checkRookNotifications(g: Graph): string[] {
  const problems: string[] = [];
  const notifications = g.ofKind('ceph.rook.io/v1', 'CephBucketNotification');
  const claims = g.ofKind('objectbucket.io/v1alpha1', 'ObjectBucketClaim');
  for (const n of notifications) {
    const topic = str(at(n, 'spec.topic')) ?? '';
    if (!g.find('ceph.rook.io/v1', 'CephBucketTopic', topic, n.metadata.namespace)) problems.push(`${describeObject(n)}: CephBucketTopic ${topic} is not in its namespace`);
    const label = `bucket-notification-${n.metadata.name}`;
    if (!claims.some((c) => c.metadata.namespace === n.metadata.namespace && strMap(c.metadata.labels)[label] === n.metadata.name)) {
      problems.push(`${describeObject(n)}: no ObjectBucketClaim in its namespace is labelled ${label}: ${n.metadata.name}, so it applies to no bucket`);
    }
  }
  for (const c of claims) {
    for (const [k, v] of Object.entries(strMap(c.metadata.labels))) {
      if (!k.startsWith('bucket-notification-')) continue;
      if (k !== `bucket-notification-${v}` || !g.find('ceph.rook.io/v1', 'CephBucketNotification', v, c.metadata.namespace)) {
        problems.push(`${describeObject(c)}: label ${k}: ${v} names no CephBucketNotification of its namespace`);
      }
    }
  }
  return problems;
}
