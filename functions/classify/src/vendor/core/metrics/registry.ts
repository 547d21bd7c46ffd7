// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * The one registry of bucket-ml's own metrics (`bucketml_*`), and get-or-create constructors for them.
 * Served on the runtime's `/metrics` together with faas-js-runtime's registry (runtime/metrics-endpoint.ts).
 *
 * A registry of our own rather than prom-client's global one: faas-js-runtime keeps its registry
 * private and collects the process metrics there, so this one holds bucketml_* only and nothing is
 * collected twice. Get-or-create because a module may be evaluated twice in one process (tests import
 * a function's source and its build), and prom-client refuses a second metric of the same name.
 */
import { Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';

export const registry = new Registry();

/** Seconds buckets for work that does I/O or runs a model: 1 ms to 30 s. */
export const SECONDS_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds buckets for in-memory work measured in microseconds (score's parse and predict): 25 µs to 1 s. */
export const FAST_SECONDS_BUCKETS: readonly number[] = [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1];

function existing<M>(name: string, kind: abstract new (...args: never[]) => M): M | undefined {
  const found = registry.getSingleMetric(name);
  if (found === undefined) return undefined;
  if (!(found instanceof kind)) throw new Error(`metric ${name} is already registered as another type`);
  return found;
}

export function counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
  return existing<Counter<L>>(config.name, Counter) ?? new Counter<L>({ ...config, registers: [registry] });
}

export function gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
  return existing<Gauge<L>>(config.name, Gauge) ?? new Gauge<L>({ ...config, registers: [registry] });
}

/** A histogram in seconds; SECONDS_BUCKETS unless `buckets` says otherwise. */
export function histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
  return existing<Histogram<L>>(config.name, Histogram) ?? new Histogram<L>({ buckets: [...SECONDS_BUCKETS], ...config, registers: [registry] });
}
