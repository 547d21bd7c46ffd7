// Can each function read its models with the credentials the render gives it? Decidable statically
// where Rook makes the credentials: an ObjectBucketClaim's user owns its one bucket (MaxBuckets 1) and
// can read no other (rook pkg/operator/ceph/object/bucket/provisioner.go, Provision). Credentials from
// a Secret the user writes are the user's business and pass.
import { containerEnv, renderedEnvironment } from './functions.ts';
import type { Graph } from './graph.ts';
import { at, describeObject, str, strMap, type K8sObject } from './objects.ts';

/** The Secret a variable comes from, when it is a key of one. */
function secretOf(ksvc: K8sObject, variable: string): { name: string; key: string } | undefined {
  const src = containerEnv(ksvc).get(variable);
  return src?.from === 'secret' ? { name: src.name, key: src.key } : undefined;
}

/** True when the render holds that Secret key with an empty value (an unset setting). */
function emptyInRender(g: Graph, ns: string | undefined, ref: { name: string; key: string }): boolean {
  const s = g.find('v1', 'Secret', ref.name, ns);
  if (!s) return false;
  const v = strMap(s.stringData)[ref.key] ?? strMap(s.data)[ref.key];
  return v === '';
}

/** Problems of every Knative Service whose s3:// models its credentials cannot read. */
export function checkModelAccess(g: Graph): string[] {
  return g.knativeServices.flatMap((ksvc) => {
    const env = renderedEnvironment(g, ksvc);
    const urls = [...(env.MODEL_URL ?? '').split(','), env.DATASET_URL ?? ''].map((u) => u.trim()).filter((u) => u.startsWith('s3://'));
    if (urls.length === 0) return [];
    const ns = ksvc.metadata.namespace;
    const model = secretOf(ksvc, 'MODEL_S3_ACCESS_KEY_ID');
    const own = secretOf(ksvc, 'AWS_ACCESS_KEY_ID');
    // An optional reference to a Secret that is absent or empty leaves the setting unset: the function's own are used.
    const modelSet = model !== undefined && !emptyInRender(g, ns, model) && (g.find('v1', 'Secret', model.name, ns) ?? g.find('objectbucket.io/v1alpha1', 'ObjectBucketClaim', model.name, ns)) !== undefined;
    const reader = modelSet ? model : own;
    if (!reader) return [];
    const claim = g.find('v1', 'Secret', reader.name, ns) ? undefined : g.find('objectbucket.io/v1alpha1', 'ObjectBucketClaim', reader.name, ns);
    if (!claim) return [];
    const bucket = str(at(claim, 'spec.bucketName'));
    const whose = reader === model ? 'MODEL_S3_ACCESS_KEY_ID' : 'its own S3 credentials (MODEL_S3_ACCESS_KEY_ID unset)';
    return urls
      .map((u) => new URL(u).hostname)
      .filter((b) => b !== bucket)
      .map((b) => `${describeObject(ksvc)}: reads s3://${b}/ with ${whose}, made by ${describeObject(claim)} whose user can read bucket ${bucket ?? '(a generated name)'} only (Rook: MaxBuckets 1)`);
  });
}
