// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * One Prometheus text exposition out of two (pure). Both sides are prom-client registries rendering
 * text format 0.0.4; the families of one never appear in the other (ours are all `bucketml_*`), so
 * appending is a valid exposition: a blank line between families is allowed by the format.
 */
import { Registry } from 'prom-client';

/** What both registries render (Prometheus text format 0.0.4). */
export const EXPOSITION_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export function appendExposition(first: string, second: string): string {
  if (first === '') return second;
  if (second === '') return first;
  return first.endsWith('\n') ? `${first}${second}` : `${first}\n${second}`;
}
