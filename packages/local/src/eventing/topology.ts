/**
 * The eventing objects of a rendered kustomize overlay (`kubectl kustomize knative/overlays/<name>`):
 * Brokers, their Triggers, CephSources, each checked with zod so a misspelt field fails loudly here as it
 * would at admission. Which delivery spec a Trigger gets: its own, else its Broker's
 * (knative/eventing pkg/reconciler/broker/trigger/trigger.go, the Subscription's delivery).
 */
import { z } from 'zod';
import { deliverySpecSchema, destinationSchema, type DeliverySpec, type Destination } from './delivery.js';

/** A rendered object, as any YAML parser gives it. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: unknown;
}

export interface BrokerConfig {
  name: string;
  namespace: string;
  brokerClass: string;
  delivery?: DeliverySpec;
}

export interface TriggerConfig {
  name: string;
  namespace: string;
  broker: string;
  /** `spec.filter` and `spec.filters` as written (evaluated by filters.ts). */
  filter?: unknown;
  filters?: unknown[];
  subscriber: Destination;
  /** The Trigger's own delivery, else its Broker's. */
  delivery: DeliverySpec;
}

export interface CephSourceConfig {
  name: string;
  namespace: string;
  port: string;
  sink: Destination;
}

const brokerSpec = z.object({ delivery: deliverySpecSchema.optional(), config: z.unknown().optional() }).strict();
const triggerSpec = z
  .object({
    broker: z.string(),
    filter: z.object({ attributes: z.record(z.string(), z.string()).optional() }).strict().optional(),
    filters: z.array(z.unknown()).optional(),
    subscriber: destinationSchema,
    delivery: deliverySpecSchema.optional(),
  })
  .strict();
const cephSourceSpec = z.object({ port: z.string(), sink: destinationSchema }).passthrough();

const EVENTING = 'eventing.knative.dev/v1';
const nsOf = (o: ManifestObject): string => o.metadata.namespace ?? 'default';

function parse<T>(schema: z.ZodType<T>, o: ManifestObject): T {
  const r = schema.safeParse(o.spec ?? {});
  if (!r.success) throw new Error(`${o.kind} ${nsOf(o)}/${o.metadata.name}: ${r.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export interface Topology {
  brokers: BrokerConfig[];
  triggers: TriggerConfig[];
  cephSources: CephSourceConfig[];
}

export function topologyOf(objects: readonly ManifestObject[]): Topology {
  const brokers = objects
    .filter((o) => o.apiVersion === EVENTING && o.kind === 'Broker')
    .map((o): BrokerConfig => {
      const spec = parse(brokerSpec, o);
      return {
        name: o.metadata.name,
        namespace: nsOf(o),
        brokerClass: o.metadata.annotations?.['eventing.knative.dev/broker.class'] ?? 'MTChannelBasedBroker',
        ...(spec.delivery ? { delivery: spec.delivery } : {}),
      };
    });
  const triggers = objects
    .filter((o) => o.apiVersion === EVENTING && o.kind === 'Trigger')
    .map((o): TriggerConfig => {
      const spec = parse(triggerSpec, o);
      const broker = brokers.find((b) => b.name === spec.broker && b.namespace === nsOf(o));
      return {
        name: o.metadata.name,
        namespace: nsOf(o),
        broker: spec.broker,
        ...(spec.filter ? { filter: spec.filter } : {}),
        ...(spec.filters ? { filters: spec.filters } : {}),
        subscriber: spec.subscriber,
        delivery: spec.delivery ?? broker?.delivery ?? {},
      };
    });
  const cephSources = objects
    .filter((o) => o.kind === 'CephSource' && o.apiVersion.startsWith('sources.knative.dev/'))
    .map((o): CephSourceConfig => {
      const spec = parse(cephSourceSpec, o);
      return { name: o.metadata.name, namespace: nsOf(o), port: spec.port, sink: spec.sink };
    });
  return { brokers, triggers, cephSources };
}

/** Where an addressable runs locally: `Kind/name` (e.g. `Service/classify`, `Broker/bucket-ml`) → base URL. */
export type Addresses = Readonly<Record<string, string>>;

/**
 * A destination's URL (knative.dev/pkg resolver): `uri` alone must be absolute; with `ref`, a relative
 * `uri` is resolved against the ref's address. An unknown ref is an error: the Trigger would not be Ready.
 */
export function resolveDestination(dest: Destination, addresses: Addresses, where: string): string {
  if (dest.ref) {
    const key = `${dest.ref.kind}/${dest.ref.name}`;
    const base = addresses[key];
    if (!base) throw new Error(`${where}: ${key} has no local address (known: ${Object.keys(addresses).join(', ') || 'none'})`);
    return dest.uri ? new URL(dest.uri, base.endsWith('/') ? base : `${base}/`).href : base;
  }
  if (dest.uri) {
    try {
      return new URL(dest.uri).href;
    } catch {
      throw new Error(`${where}: uri ${dest.uri} is not absolute and there is no ref to resolve it against`);
    }
  }
  throw new Error(`${where}: a destination needs ref or uri`);
}
