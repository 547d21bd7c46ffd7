// Rendered Kubernetes objects and safe access to their untyped insides.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface K8sObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string; namespace?: string };
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at a dotted path (`spec.template.spec`), or undefined. Array indexes are numbers in the path. */
export function at(root: unknown, path: string): Json | undefined {
  let cur: unknown = root;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObject(cur)) cur = cur[part];
    else return undefined;
  }
  return cur as Json | undefined;
}

export const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
export const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const strMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** `group/version/Kind` (core: `v1/Kind`). */
export const gvk = (o: { apiVersion: string; kind: string }): string => `${o.apiVersion}/${o.kind}`;
export const describeObject = (o: K8sObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function asK8sObject(doc: unknown, where: string): K8sObject {
  if (!isObject(doc) || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string' || !isObject(doc.metadata) || typeof doc.metadata.name !== 'string') {
    throw new Error(`${where}: not a Kubernetes object (apiVersion, kind, metadata.name): ${JSON.stringify(doc).slice(0, 200)}`);
  }
  return doc as K8sObject;
}

/** The rendered object of that kind and name; throws when the render lacks it. */
export function the(objs: K8sObject[], kind: string, name: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind} ${name} not rendered`);
  return o;
}
