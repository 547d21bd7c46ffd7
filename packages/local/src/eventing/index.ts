/**
 * The cluster's eventing, stood in locally from a rendered overlay: RGW → CephSource adapter → Broker →
 * Triggers → functions (behind activators that scale them to zero) → replies back into the Broker, and
 * event_display stand-ins for sinks. For tests and `npm start`; never part of a function.
 *
 * ```ts
 * const eventing = await startEventing({
 *   objects: await renderOverlay('knative/overlays/cephsource'),
 *   services: { classify: { start: () => startClassify(), idleMs: 30_000 } },
 *   displays: ['review', 'dead-letters'],
 * });
 * // RGW topic push-endpoint: eventing.adapter.url; RGW 17+ CloudEvents: eventing.broker.ingressUrl
 * ```
 */
import { Activator, type Instance } from './activator.js';
import { Broker, type BrokerOptions } from './broker.js';
import { CephSourceAdapter } from './cephsource-adapter.js';
import { EventDisplay } from './event-display.js';
import type { Semantics } from './filters.js';
import { resolveDestination, topologyOf, type ManifestObject } from './topology.js';

export { Activator, type ActivatorOptions, type ActivatorRecord, type Instance } from './activator.js';
export { Broker, ARRIVAL_EXTENSION, DEFAULT_MAX_TTL, TTL_EXTENSION, type BrokerOptions, type BrokerRecord } from './broker.js';
export { CephSourceAdapter, type AdapterRecord, type CephSourceAdapterOptions } from './cephsource-adapter.js';
export { cephSourceEvent, decodeNotification, decodeNotifications, type BucketNotification } from './ceph-notification.js';
export { fromHttp, jsonData, toBinary, toStructured, type Event } from './cloudevent.js';
export { EventDisplay } from './event-display.js';
export { renderOverlay } from './overlay.js';
export { topologyOf, type ManifestObject } from './topology.js';

/** A Knative Service run locally: already listening, or started on demand behind an activator. */
export type ServiceBackend = { url: string } | { start: () => Promise<Instance>; idleMs?: number };

export interface EventingOptions {
  objects: readonly ManifestObject[];
  /** Knative Services the Triggers call, by name. */
  services: Record<string, ServiceBackend>;
  /** Services to stand in with an event_display that keeps what it receives (e.g. review, dead-letters). */
  displays?: readonly string[];
  /** Start the overlay's CephSource adapter (default: when the overlay has one). */
  cephSource?: boolean;
  semantics?: Semantics;
  beforeAttempt?: BrokerOptions['beforeAttempt'];
}

export interface Eventing {
  broker: Broker;
  /** The CephSource receive adapter RGW pushes to, when the overlay has a CephSource. */
  adapter?: CephSourceAdapter;
  activators: Record<string, Activator>;
  displays: Record<string, EventDisplay>;
  close(): Promise<void>;
}

export async function startEventing(options: EventingOptions): Promise<Eventing> {
  const activators: Record<string, Activator> = {};
  const displays: Record<string, EventDisplay> = {};
  const addresses: Record<string, string> = {};
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    for (const [name, backend] of Object.entries(options.services)) {
      if ('url' in backend) {
        addresses[`Service/${name}`] = backend.url;
        continue;
      }
      const activator = await Activator.start({ name, start: backend.start, ...(backend.idleMs !== undefined ? { idleMs: backend.idleMs } : {}) });
      started.push(activator);
      activators[name] = activator;
      addresses[`Service/${name}`] = activator.url;
    }
    for (const name of options.displays ?? []) {
      const display = await EventDisplay.start(name);
      started.push(display);
      displays[name] = display;
      addresses[`Service/${name}`] = display.url;
    }
    const broker = await Broker.start({
      objects: options.objects,
      addresses,
      ...(options.semantics ? { semantics: options.semantics } : {}),
      ...(options.beforeAttempt ? { beforeAttempt: options.beforeAttempt } : {}),
    });
    started.push(broker);
    addresses[`Broker/${broker.config.name}`] = broker.ingressUrl;
    const source = topologyOf(options.objects).cephSources[0];
    let adapter: CephSourceAdapter | undefined;
    if (source && options.cephSource !== false) {
      adapter = await CephSourceAdapter.start({ sink: resolveDestination(source.sink, addresses, `CephSource ${source.name} sink`) });
      started.push(adapter);
    }
    return {
      broker,
      ...(adapter ? { adapter } : {}),
      activators,
      displays,
      close: async () => {
        for (const s of started.reverse()) await s.close();
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await s.close().catch(() => {});
    throw e;
  }
}
