// The durable production profile (knative/components/kafka-broker) composed with every overlay: each
// render validates against its schemas (the KafkaSink with eventing-kafka-broker's CRD), passes every
// semantic check, and really switches the pipeline to a Kafka Broker with Kafka dead letters.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkCephSourceServices } from './support/cephsource-adapter.ts';
import { brokerClass, checkConfigKeys, checkDelivery, checkDestinations, checkPushEndpoints, checkRookNotifications, checkScaleToZero, checkTriggerBrokers, Graph } from './support/graph.ts';
import { checkKafkaBrokers } from './support/kafka.ts';
import { checkModelAccess } from './support/model-access.ts';
import { at, clone, describeObject, type K8sObject, strMap, the } from './support/objects.ts';
import { knativeDir, OVERLAYS, overlayDir } from './support/paths.ts';
import { renderComposed } from './support/render.ts';
import { validateObject } from './support/schemas.ts';

const component = path.join(knativeDir, 'components/kafka-broker');
const rendered = new Map<string, Promise<K8sObject[]>>();
const withKafka = (o: string): Promise<K8sObject[]> => {
  if (!rendered.has(o)) rendered.set(o, renderComposed(overlayDir(o), [component]));
  return rendered.get(o)!;
};
const CHECKS = [checkTriggerBrokers, checkDestinations, checkDelivery, checkPushEndpoints, checkConfigKeys, checkScaleToZero, checkCephSourceServices, checkRookNotifications, checkModelAccess, checkKafkaBrokers];
const KAFKA_SINK = { apiVersion: 'eventing.knative.dev/v1alpha1', kind: 'KafkaSink', name: 'kafka-dead-letters' };

describe.each(OVERLAYS)('overlays/%s + components/kafka-broker', (o) => {
  it('every object validates against its schema', async () => {
    const objs = await withKafka(o);
    expect(objs.flatMap((x) => validateObject(x).map((p) => `${describeObject(x)}: ${p}`))).toEqual([]);
  });

  it('every semantic check passes (Kafka config, ingress of the Broker class, sinks, keys, models)', async () => {
    const g = new Graph(await withKafka(o));
    expect(CHECKS.flatMap((c) => c(g))).toEqual([]);
  });

  it('the Broker is of class Kafka with its config, and every dead letter goes to the KafkaSink', async () => {
    const objs = await withKafka(o);
    const broker = the(objs, 'Broker', 'bucket-ml');
    expect(brokerClass(broker)).toBe('Kafka');
    expect(at(broker, 'spec.config')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'kafka-broker-config', namespace: 'bucket-ml' });
    const holders = objs.filter((x) => x.kind === 'Trigger' || x.kind === 'Broker');
    expect(holders.length).toBeGreaterThan(5);
    for (const h of holders) expect(at(h, 'spec.delivery.deadLetterSink.ref'), describeObject(h)).toEqual(KAFKA_SINK);
    expect(JSON.stringify(objs)).not.toMatch(/\/\/broker-ingress\./);
  });
});

describe('components/kafka-broker', () => {
  it("swaps rgw-cloudevents' configure-notify document for one that differs only in the Broker ingress", async () => {
    const doc = (objs: K8sObject[]): unknown => parse(strMap(the(objs, 'ConfigMap', 'configure-notify-state').data)['state.yaml'] ?? '');
    const plain = parse(strMap(parse(readFileSync(path.join(overlayDir('rgw-cloudevents'), 'configure-notify-state.yaml'), 'utf8')).data)['state.yaml'] ?? '');
    const swapped = JSON.parse(JSON.stringify(plain).replaceAll('http://broker-ingress.', 'http://kafka-broker-ingress.')) as unknown;
    expect(swapped).not.toEqual(plain);
    expect(doc(await withKafka('rgw-cloudevents'))).toEqual(swapped);
    expect(doc(await withKafka('openshift'))).toEqual(swapped);
    // the CephSource overlay pushes to its adapter, not to a Broker ingress: left alone
    expect(JSON.stringify(doc(await withKafka('cephsource')))).toContain('http://ceph-notifications.bucket-ml.svc');
  });

  it("docs/deploy.md's way to name your Kafka renders: the Broker config and the KafkaSink get your servers", async () => {
    const objs = await renderComposed(overlayDir('rook'), [component], [
      'namespace: bucket-ml',
      'patches:',
      '  - patch: |-',
      '      apiVersion: v1',
      '      kind: ConfigMap',
      '      metadata: { name: kafka-broker-config, namespace: bucket-ml }',
      '      data: { bootstrap.servers: "kafka-kafka-bootstrap.kafka:9092" }',
      '  - target: { kind: KafkaSink, name: kafka-dead-letters }',
      '    patch: |-',
      '      - { op: replace, path: /spec/bootstrapServers, value: [kafka-kafka-bootstrap.kafka:9092] }',
    ]);
    expect(strMap(the(objs, 'ConfigMap', 'kafka-broker-config').data)).toMatchObject({ 'bootstrap.servers': 'kafka-kafka-bootstrap.kafka:9092', 'default.topic.partitions': '10' });
    expect(at(the(objs, 'KafkaSink', 'kafka-dead-letters'), 'spec.bootstrapServers')).toEqual(['kafka-kafka-bootstrap.kafka:9092']);
    const g = new Graph(objs);
    expect(CHECKS.flatMap((c) => c(g))).toEqual([]);
  });

  it('the checks reject a bad Kafka config, a config that is no ConfigMap, an empty sink, a misspelt sink field and the other ingress', async () => {
    const objs = clone(await withKafka('rook'));
    Object.assign(the(objs, 'ConfigMap', 'kafka-broker-config').data as object, { 'default.topic.partitions': '0', 'bootstrap.servers': ' ' });
    (the(objs, 'KafkaSink', 'kafka-dead-letters').spec as { bootstrapServers: string[] }).bootstrapServers = [];
    (the(objs, 'CephBucketTopic', 'bucket-ml-broker').spec as { endpoint: { http: { uri: string } } }).endpoint.http.uri = 'http://broker-ingress.knative-eventing.svc.cluster.local/bucket-ml/bucket-ml';
    const g = new Graph(objs);
    const problems = [...checkKafkaBrokers(g), ...checkPushEndpoints(g)].join('\n');
    expect(problems).toMatch(/kafka-broker-config: default.topic.partitions must be a positive int32, is "0"/);
    expect(problems).toMatch(/bootstrap.servers is empty/);
    expect(problems).toMatch(/KafkaSink bucket-ml\/kafka-dead-letters: spec.bootstrapServers lists no server/);
    expect(problems).toMatch(/is the MTChannelBasedBroker ingress, but Broker bucket-ml\/bucket-ml is of class Kafka/);

    const secret = clone(await withKafka('rook'));
    (the(secret, 'Broker', 'bucket-ml').spec as { config: { kind: string } }).config.kind = 'Secret';
    expect(checkKafkaBrokers(new Graph(secret)).join('\n')).toMatch(/a Kafka Broker's config is a ConfigMap/);

    const sink = clone(the(await withKafka('rook'), 'KafkaSink', 'kafka-dead-letters'));
    Object.assign(sink.spec as object, { bootstrapServer: ['x:9092'], contentMode: 'json' });
    const schema = validateObject(sink).join('\n');
    expect(schema).toMatch(/bootstrapServer\b/);
    expect(schema).toMatch(/contentMode must be equal to one of the allowed values/);
  });
});
