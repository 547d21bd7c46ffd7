// The Broker's Trigger filtering, for the manifest tests: the one evaluator lives with the Broker
// stand-in (packages/local/src/eventing/filters.ts, where its upstream sources are cited).
import { triggerSpecAccepts, type EventAttributes, type Semantics } from '../../../packages/local/src/eventing/filters.ts';
import { obj, type K8sObject } from './objects.ts';

export { attributesMatch, evaluateFilter, SEMANTICS, UnsupportedFilter, type Semantics } from '../../../packages/local/src/eventing/filters.ts';

/** CloudEvent context attributes and extensions, by name. */
export type CloudEvent = EventAttributes;

export function triggerAccepts(trigger: K8sObject, event: CloudEvent, semantics: Semantics): boolean {
  return triggerSpecAccepts(obj(trigger.spec), event, semantics);
}
