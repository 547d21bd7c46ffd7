// What a Kafka-class Broker and a KafkaSink need beyond their schemas, from the code of
// knative-extensions/eventing-kafka-broker (commit 7d8fe89f4):
// - control-plane/pkg/apis/eventing/v1/broker_validation.go: a Kafka Broker's spec.config is a ConfigMap;
// - control-plane/pkg/kafka/topic.go (buildTopicConfigFromConfigMap, validateTopicConfig): its keys
//   default.topic.partitions and default.topic.replication.factor parse as int32 and are > 0, and
//   bootstrap.servers (comma-separated) is not empty; otherwise the Broker never becomes ready;
// - KafkaSink (100-kafka-sink.yaml): bootstrapServers lists at least one server; numPartitions and
//   replicationFactor, when set, make the sink create its topic.
import { brokerClass, type Graph } from './graph.ts';
import { arr, at, describeObject, str, strMap } from './objects.ts';

const INT32 = /^[+-]?\d+$/;
const positiveInt32 = (v: string | undefined): boolean => v !== undefined && INT32.test(v.trim()) && Number(v) > 0 && Number(v) <= 2 ** 31 - 1;

export function checkKafkaBrokers(g: Graph): string[] {
  const problems: string[] = [];
  for (const b of g.brokers.filter((x) => brokerClass(x) === 'Kafka')) {
    const ref = at(b, 'spec.config');
    if (ref === undefined) {
      problems.push(`${describeObject(b)}: class Kafka without spec.config (the cluster default, knative-eventing/kafka-broker-config, applies: say which Kafka explicitly)`);
      continue;
    }
    if (str(at(ref, 'kind'))?.toLowerCase() !== 'configmap') {
      problems.push(`${describeObject(b)}: spec.config.kind ${str(at(ref, 'kind'))}: a Kafka Broker's config is a ConfigMap`);
      continue;
    }
    const ns = str(at(ref, 'namespace')) ?? b.metadata.namespace;
    const name = str(at(ref, 'name')) ?? '';
    const cm = g.find('v1', 'ConfigMap', name, ns);
    if (!cm) {
      problems.push(`${describeObject(b)}: config ConfigMap ${ns}/${name} is not in the render`);
      continue;
    }
    const data = strMap(cm.data);
    for (const key of ['default.topic.partitions', 'default.topic.replication.factor']) {
      if (!positiveInt32(data[key])) problems.push(`${describeObject(cm)}: ${key} must be a positive int32, is ${JSON.stringify(data[key])}`);
    }
    const servers = (data['bootstrap.servers'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (servers.length === 0) problems.push(`${describeObject(cm)}: bootstrap.servers is empty`);
  }
  for (const sink of g.ofKind('eventing.knative.dev/v1alpha1', 'KafkaSink')) {
    const servers = arr(at(sink, 'spec.bootstrapServers')).filter((s) => typeof s === 'string' && s.trim() !== '');
    if (servers.length === 0) problems.push(`${describeObject(sink)}: spec.bootstrapServers lists no server`);
    for (const k of ['numPartitions', 'replicationFactor']) {
      const v = at(sink, `spec.${k}`);
      if (v !== undefined && !(typeof v === 'number' && v > 0)) problems.push(`${describeObject(sink)}: spec.${k} must be positive`);
    }
  }
  return problems;
}
