/**
 * Which events a Trigger lets through: the one evaluator used by the Broker stand-in and by the
 * manifest tests (test/manifests/classify-routing.test.ts).
 *
 * knative/eventing pkg/broker/filter/filter_handler.go (filterEvent): a non-empty `spec.filters`
 * decides and `spec.filter` is ignored; otherwise `spec.filter.attributes` applies (exact match on each
 * attribute; the value "" matches any value, pkg/eventfilter/attributes). `filters` is the CloudEvents
 * Subscriptions API (pkg/eventfilter/subscriptionsapi: exact, prefix, suffix, all, any, not, cesql), on by
 * default since 1.12 and always since 1.15; a cluster with the feature off (or an older CRD) ignores it,
 * which `attributes-only` models.
 */

/** CloudEvent context attributes and extensions, by name. */
export type EventAttributes = Record<string, string>;

export type Semantics = 'new-trigger-filters' | 'attributes-only';
export const SEMANTICS: readonly Semantics[] = ['new-trigger-filters', 'attributes-only'];

export class UnsupportedFilter extends Error {
  override name = 'UnsupportedFilter';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const strMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(isObject(v) ? v : {}).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** One CloudEvents Subscriptions API filter expression. cesql is refused rather than guessed. */
export function evaluateFilter(filter: unknown, event: EventAttributes): boolean {
  if (!isObject(filter)) throw new UnsupportedFilter(`filter is not an object: ${JSON.stringify(filter)}`);
  const dialects = Object.keys(filter);
  if (dialects.length !== 1) throw new UnsupportedFilter(`a filter expression has exactly one dialect, got ${JSON.stringify(dialects)}`);
  const dialect = dialects[0]!;
  const value = filter[dialect];
  const single = (): [string, string] => {
    const entries = Object.entries(strMap(value));
    if (entries.length !== 1 || !isObject(value) || Object.keys(value).length !== 1) throw new UnsupportedFilter(`${dialect} needs exactly one attribute: ${JSON.stringify(value)}`);
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
      throw new UnsupportedFilter(`filter dialect ${dialect} is not evaluated here (exact, prefix, suffix, all, any, not are)`);
  }
}

/** spec.filter.attributes: every attribute equal ("" = any value, attribute present). */
export function attributesMatch(attributes: Record<string, string>, event: EventAttributes): boolean {
  return Object.entries(attributes).every(([k, v]) => (v === '' ? event[k] !== undefined : event[k] === v));
}

/** Whether a Trigger's spec (`filter`, `filters`) accepts the event. */
export function triggerSpecAccepts(spec: { filter?: unknown; filters?: unknown }, event: EventAttributes, semantics: Semantics = 'new-trigger-filters'): boolean {
  const filters = arr(spec.filters);
  if (semantics === 'new-trigger-filters' && filters.length > 0) return filters.every((f) => evaluateFilter(f, event));
  return attributesMatch(strMap(isObject(spec.filter) ? spec.filter.attributes : undefined), event);
}
