/**
 * `PIPELINE=broker`: the cluster's eventing between the embedded S3 server and classify, stood in from
 * the RENDERED cephsource overlay (packages/local/src/eventing). The bucket's notifications go to the
 * CephSource adapter, which makes one CloudEvent per record for the Broker; the overlay's Triggers
 * deliver them to classify with their retry, backoff and timeout; classify's reply events (a result, or
 * the failure of an object that cannot be classified) go back into the Broker, where the review Triggers
 * take the low-confidence results and the failures; what cannot be delivered goes to the dead-letter
 * sink. What a user sees is what the cluster does.
 */
import path from 'node:path';
import { renderOverlay, startEventing, topologyOf, type BrokerRecord, type Eventing } from '../eventing/index.js';
import { repoRoot } from './paths.js';

export const OVERLAY = 'knative/overlays/cephsource';

export interface BrokerCounts {
  /** Notifications the adapter turned into events that the Broker accepted. */
  events: number;
  /** Delivery attempts to classify, and how many of them the Broker retried. */
  deliveries: number;
  retries: number;
  /** Reply events classify answered with (results and failures), accepted back into the Broker. */
  replies: number;
  review: number;
  deadLetters: number;
}

export interface BrokerPipeline {
  eventing: Eventing;
  /** Where the bucket's notifications are pushed: the CephSource adapter. */
  adapterUrl: string;
  /** The Broker's address: where RGW 17+ (topic cloudevents=true) or any producer sends CloudEvents. */
  ingressUrl: string;
  /** Triggers whose subscriber is classify, by name. */
  classifyTriggers: Set<string>;
  reviewTriggers: Set<string>;
  counts(): BrokerCounts;
  close(): Promise<void>;
}

const subscriberName = (destination: unknown): string | undefined => (destination as { ref?: { name?: string } }).ref?.name;

export async function startBrokerPipeline(classifyUrl: string, onRecord: (r: BrokerRecord) => void): Promise<BrokerPipeline> {
  const objects = await renderOverlay(path.join(repoRoot, OVERLAY));
  const triggers = topologyOf(objects).triggers;
  const eventing = await startEventing({ objects, services: { classify: { url: classifyUrl } }, displays: ['review', 'dead-letters'] });
  if (!eventing.adapter) {
    await eventing.close();
    throw new Error(`${OVERLAY} has no CephSource: nothing for the bucket's notifications to reach`);
  }
  eventing.broker.on('record', onRecord);
  const classifyTriggers = new Set(triggers.filter((t) => subscriberName(t.subscriber) === 'classify').map((t) => t.name));
  const reviewTriggers = new Set(triggers.filter((t) => subscriberName(t.subscriber) === 'review').map((t) => t.name));
  const { broker, displays } = eventing;
  return {
    eventing,
    adapterUrl: eventing.adapter.url,
    ingressUrl: broker.ingressUrl,
    classifyTriggers,
    reviewTriggers,
    counts: () => {
      const attempts = broker.records.filter((r) => r.kind === 'attempt' && classifyTriggers.has(r.trigger));
      return {
        events: broker.records.filter((r) => r.kind === 'accepted' && !r.reply).length,
        deliveries: attempts.length,
        retries: attempts.filter((r) => r.kind === 'attempt' && r.verdict === 'retry').length,
        replies: broker.records.filter((r) => r.kind === 'accepted' && r.reply).length,
        review: displays.review?.events.length ?? 0,
        deadLetters: displays['dead-letters']?.events.length ?? 0,
      };
    },
    close: () => eventing.close(),
  };
}

/** One line for the console: what went through the Broker. */
export function describeCounts(c: BrokerCounts): string {
  return (
    `Broker: ${c.events} notification events → ${c.deliveries} deliveries to classify (${c.retries} retried) → ` +
    `${c.replies} result or failed events replied → ${c.review} to review (low confidence or failed), ${c.deadLetters} dead-lettered`
  );
}
