// What a Knative Broker does with a Trigger's filters, to decide statically which events reach whom.
//
// Knative Eventing (broker filter handler, knative/eventing pkg/broker/filter): when the
// new-trigger-filters feature is enabled and `spec.filters` is non-empty, the filters decide and
// `spec.filter` is ignored; otherwise only `spec.filter.attributes` applies (exact match on each
// attribute; the value "" matches any value). Where the feature is off (or the field unknown to an
// older CRD), `filters` is ignored as if absent. Both behaviours are modelled, because the same
// manifests must be safe on either kind of cluster.
import { arr, isObject, obj, strMap, type Json, type K8sObject } from './objects.ts';

/** CloudEvent context attributes and extensions, by name. */
export type CloudEvent = Record<string, string>;

export type Semantics = 'new-trigger-filters' | 'attributes-only';
export const SEMANTICS: readonly Semantics[] = ['new-trigger-filters', 'attributes-only'];

export class UnsupportedFilter extends Error {}

/** One CloudEvents Subscriptions API filter expression (exact, prefix, suffix, all, any, not). */
export function evaluateFilter(filter: Json, event: CloudEvent): boolean {
  if (!isObject(filter)) throw new UnsupportedFilter(`filter is not an object: ${JSON.stringify(filter)}`);
  const dialects = Object.keys(filter);
  if (dialects.length !== 1) throw new UnsupportedFilter(`a filter expression has exactly one dialect, got ${JSON.stringify(dialects)}`);
  const dialect = dialects[0]!;
  const value = filter[dialect];
  const single = (): [string, string] => {
    const entries = Object.entries(strMap(value));
    if (entries.length !== 1 || Object.keys(obj(value)).length !== 1) throw new UnsupportedFilter(`${dialect} needs exactly one attribute: ${JSON.stringify(value)}`);
    return entries[0]!;
  };
  switch (dialect) {
    case 'exact': {
      const [name, v] = single();
      return event[name] === v;
    }
    case 'prefix': {
      const [name, v] = single();
      return event[name] !== undefined && event[name].startsWith(v);
    }
    case 'suffix': {
      const [name, v] = single();
      return event[name] !== undefined && event[name].endsWith(v);
    }
    case 'all':
      return arr(value).every((f) => evaluateFilter(f, event));
    case 'any':
      return arr(value).some((f) => evaluateFilter(f, event));
    case 'not':
      return !evaluateFilter(value ?? null, event);
    default:
      throw new UnsupportedFilter(`filter dialect ${dialect} is not evaluated by these checks (use exact, prefix, suffix, all, any, not)`);
  }
}

/** spec.filter.attributes: every attribute equal ("" = any value, attribute present). */
export function attributesMatch(attributes: Record<string, string>, event: CloudEvent): boolean {
  return Object.entries(attributes).every(([k, v]) => (v === '' ? event[k] !== undefined : event[k] === v));
}

export function triggerAccepts(trigger: K8sObject, event: CloudEvent, semantics: Semantics): boolean {
  const spec = obj(trigger.spec);
  const filters = arr(spec.filters);
  if (semantics === 'new-trigger-filters' && filters.length > 0) return filters.every((f) => evaluateFilter(f, event));
  return attributesMatch(strMap(obj(spec.filter).attributes), event);
}
