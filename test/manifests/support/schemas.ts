// Every rendered object against a real schema: kubernetes-models (core Kubernetes), its Knative
// package (Knative Serving/Eventing/Operator), and JSON Schemas from CRDs where no package exists
// (eventing-ceph, Rook, lib-bucket-provisioner, eventing-kafka-broker), plus the Knative fields newer than that package;
// the Prometheus operator's kinds from @kubernetes-models/prometheus-operator.
import { Broker, Trigger } from '@kubernetes-models/knative/eventing.knative.dev/v1';
import { KnativeEventing } from '@kubernetes-models/knative/operator.knative.dev/v1beta1';
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1';
import type { ValidateFunction } from 'ajv';
import { PodMonitor, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { crdValidators, formatErrors, loadYaml, newAjv } from './crd-schema.ts';
import { at, gvk, type K8sObject } from './objects.ts';
import path from 'node:path';
import { manifestsTestDir } from './paths.ts';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** kubernetes-models classes by `apiVersion/Kind`. */
const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'batch/v1/CronJob': CronJob,
  'serving.knative.dev/v1/Service': KnativeService,
  'eventing.knative.dev/v1/Broker': Broker,
  'eventing.knative.dev/v1/Trigger': Trigger,
  'operator.knative.dev/v1beta1/KnativeEventing': KnativeEventing,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

const ajv = newAjv();
const CRDS = new Map<string, ValidateFunction>([
  ...crdValidators(ajv, 'eventing-ceph-cephsource.yaml'),
  ...crdValidators(ajv, 'rook-bucket-notifications.yaml'),
  ...crdValidators(ajv, 'eventing-kafka-broker-kafkasink.yaml'),
]);
ajv.addSchema(loadYaml(path.join(manifestsTestDir, 'crds/knative-eventing-newer-fields.yaml')) as object, 'knative-newer');
const triggerSpec = ajv.getSchema('knative-newer#/triggerSpec')!;
const delivery = ajv.getSchema('knative-newer#/delivery')!;

/** Kinds validated by a schema here: anything else in a render is an error (no object goes unchecked). */
export const KNOWN_KINDS = [...Object.keys(MODELS), ...CRDS.keys()];

/** The problems of one object; empty when valid. */
export function validateObject(o: K8sObject): string[] {
  const key = gvk(o);
  const problems: string[] = [];
  const Model = MODELS[key];
  const crd = CRDS.get(key);
  if (!Model && !crd) return [`no schema known for ${key} (known: ${KNOWN_KINDS.join(', ')})`];
  if (Model) {
    try {
      new Model(o as never).validate();
    } catch (error) {
      problems.push(...(error as Error).message.split('\n').map((l) => `kubernetes-models: ${l}`));
    }
  }
  if (crd && !crd(o)) problems.push(...formatErrors(crd).map((l) => `CRD schema: ${l}`));
  // Fields newer than the Knative 1.10 CRDs behind @kubernetes-models/knative.
  if (key === 'eventing.knative.dev/v1/Trigger' && !triggerSpec(o.spec ?? {})) {
    problems.push(...formatErrors(triggerSpec).map((l) => `Trigger spec: ${l}`));
  }
  if (key === 'eventing.knative.dev/v1/Broker' && at(o, 'spec.delivery') !== undefined && !delivery(at(o, 'spec.delivery'))) {
    problems.push(...formatErrors(delivery).map((l) => `Broker spec.delivery: ${l}`));
  }
  return problems;
}
