/**
 * Canonical forms: a topic or a notification with every default made explicit, so the desired one
 * (from a document) and the actual one (read back from RGW) compare field by field. Pure code.
 */
import {
  DEFAULT_EVENTS,
  type EndpointKind,
  type Notification,
  type NotificationFilter,
  type Topic,
} from './schema.js';

export type CanonicalEndpoint =
  | { kind: 'http'; uri: string; verifySSL: boolean; cloudEvents: boolean }
  | { kind: 'amqp'; uri: string; exchange: string; ackLevel: string; verifySSL: boolean }
  | { kind: 'kafka'; uri: string; useSSL: boolean; verifySSL: boolean; ackLevel: string; caLocation: string }
  /** What RGW holds but this tool does not manage (no endpoint, or a scheme it refuses). */
  | { kind: 'other'; uri: string };

export interface TopicSpec {
  name: string;
  endpoint: CanonicalEndpoint;
  opaqueData: string;
  persistent: boolean;
}

export interface NotificationSpec {
  bucket: string;
  id: string;
  topic: string;
  /** Sorted, without duplicates. */
  events: string[];
  filter: {
    key: { prefix?: string; suffix?: string; regex?: string };
    /** Sorted by name. */
    metadata: Array<{ name: string; value: string }>;
    tags: Array<{ name: string; value: string }>;
  };
}

export const notificationKey = (n: { bucket: string; id: string }): string => `${n.bucket}/${n.id}`;

// ------------------------------------------------------------------ topics

export function canonicalTopic(t: Topic): TopicSpec {
  const e = t.endpoint;
  let endpoint: CanonicalEndpoint;
  if (e.http) endpoint = { kind: 'http', uri: e.http.uri, verifySSL: !e.http.disableVerifySSL, cloudEvents: e.http.sendCloudEvents ?? false };
  else if (e.amqp) endpoint = { kind: 'amqp', uri: e.amqp.uri, exchange: e.amqp.exchange, ackLevel: e.amqp.ackLevel ?? 'broker', verifySSL: !e.amqp.disableVerifySSL };
  else if (e.kafka) {
    endpoint = { kind: 'kafka', uri: e.kafka.uri, useSSL: e.kafka.useSSL ?? false, verifySSL: !e.kafka.disableVerifySSL, ackLevel: e.kafka.ackLevel ?? 'broker', caLocation: e.kafka.caLocation ?? '' };
  } else throw new Error(`topic ${t.name} has no endpoint (the schema should have refused it)`);
  return { name: t.name, endpoint, opaqueData: t.opaqueData ?? '', persistent: t.persistent ?? false };
}

/** The endpoint kind a push-endpoint URL belongs to, by scheme. */
export function endpointKind(uri: string): EndpointKind | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return 'http';
  if (scheme === 'amqp' || scheme === 'amqps') return 'amqp';
  if (scheme === 'kafka') return 'kafka';
  return undefined;
}

const isFalse = (v: string | undefined): boolean => v?.toLowerCase() === 'false';
const isTrue = (v: string | undefined): boolean => v?.toLowerCase() === 'true';

/**
 * A topic as RGW describes it: its push endpoint, the arguments it was created with (a flat
 * key → value map, see rgw/topics.ts), its opaque data and persistence.
 */
export function topicFromRgw(name: string, endpointAddress: string, args: Record<string, string>, opaqueData: string, persistent: boolean): TopicSpec {
  const kind = endpointKind(endpointAddress);
  const verifySSL = !isFalse(args['verify-ssl']);
  let endpoint: CanonicalEndpoint;
  switch (kind) {
    case 'http':
      endpoint = { kind, uri: endpointAddress, verifySSL, cloudEvents: isTrue(args.cloudevents) };
      break;
    case 'amqp':
      endpoint = { kind, uri: endpointAddress, exchange: args['amqp-exchange'] ?? '', ackLevel: args['amqp-ack-level'] ?? 'broker', verifySSL };
      break;
    case 'kafka':
      endpoint = { kind, uri: endpointAddress, useSSL: isTrue(args['use-ssl']), verifySSL, ackLevel: args['kafka-ack-level'] ?? 'broker', caLocation: args['ca-location'] ?? '' };
      break;
    default:
      endpoint = { kind: 'other', uri: endpointAddress };
  }
  return { name, endpoint, opaqueData, persistent };
}

/** The CreateTopic attributes that make RGW hold exactly this topic (CreateTopic replaces all of them). */
export function topicAttributes(t: TopicSpec): Record<string, string> {
  const e = t.endpoint;
  if (e.kind === 'other') throw new Error(`topic ${t.name}: cannot write an endpoint of an unsupported kind`);
  const attrs: Record<string, string> = { 'push-endpoint': e.uri };
  if (t.opaqueData) attrs.OpaqueData = t.opaqueData;
  if (t.persistent) attrs.persistent = 'true';
  if (!e.verifySSL) attrs['verify-ssl'] = 'false';
  switch (e.kind) {
    case 'http':
      if (e.cloudEvents) attrs.cloudevents = 'true';
      break;
    case 'amqp':
      attrs['amqp-exchange'] = e.exchange;
      attrs['amqp-ack-level'] = e.ackLevel;
      break;
    case 'kafka':
      attrs['kafka-ack-level'] = e.ackLevel;
      if (e.useSSL) attrs['use-ssl'] = 'true';
      if (e.caLocation) attrs['ca-location'] = e.caLocation;
      break;
  }
  return attrs;
}

/** Back to the document form, defaults left out (what `get` prints). */
export function topicToDocument(t: TopicSpec): Topic | undefined {
  const e = t.endpoint;
  let endpoint: Topic['endpoint'];
  switch (e.kind) {
    case 'http':
      endpoint = { http: { uri: e.uri, ...(e.verifySSL ? {} : { disableVerifySSL: true }), ...(e.cloudEvents ? { sendCloudEvents: true } : {}) } };
      break;
    case 'amqp':
      endpoint = { amqp: { uri: e.uri, exchange: e.exchange, ...(e.ackLevel === 'broker' ? {} : { ackLevel: e.ackLevel as 'none' | 'routable' }), ...(e.verifySSL ? {} : { disableVerifySSL: true }) } };
      break;
    case 'kafka':
      endpoint = {
        kafka: {
          uri: e.uri,
          ...(e.useSSL ? { useSSL: true } : {}),
          ...(e.verifySSL ? {} : { disableVerifySSL: true }),
          ...(e.ackLevel === 'broker' ? {} : { ackLevel: e.ackLevel as 'none' }),
          ...(e.caLocation ? { caLocation: e.caLocation } : {}),
        },
      };
      break;
    default:
      return undefined;
  }
  return { name: t.name, endpoint, ...(t.persistent ? { persistent: true } : {}), ...(t.opaqueData ? { opaqueData: t.opaqueData } : {}) };
}

// ------------------------------------------------------------------ notifications

const byName = (a: { name: string; value: string }, b: { name: string; value: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;

export function canonicalFilter(f: NotificationFilter | undefined): NotificationSpec['filter'] {
  const key: NotificationSpec['filter']['key'] = {};
  for (const r of f?.keyFilters ?? []) key[r.name] = r.value;
  return {
    key,
    metadata: [...(f?.metadataFilters ?? [])].map((r) => ({ name: r.name, value: r.value })).sort(byName),
    tags: [...(f?.tagFilters ?? [])].map((r) => ({ name: r.name, value: r.value })).sort(byName),
  };
}

export function canonicalNotification(n: Notification): NotificationSpec {
  return {
    bucket: n.bucket,
    id: n.id,
    topic: n.topic,
    events: [...new Set<string>(n.events ?? DEFAULT_EVENTS)].sort(),
    filter: canonicalFilter(n.filter),
  };
}

export function notificationToDocument(n: NotificationSpec): Notification {
  const keyFilters = (['prefix', 'suffix', 'regex'] as const).flatMap((name) => (n.filter.key[name] === undefined ? [] : [{ name, value: n.filter.key[name] }]));
  const filter: NotificationFilter = {
    ...(keyFilters.length ? { keyFilters } : {}),
    ...(n.filter.metadata.length ? { metadataFilters: n.filter.metadata } : {}),
    ...(n.filter.tags.length ? { tagFilters: n.filter.tags } : {}),
  };
  return {
    bucket: n.bucket,
    id: n.id,
    topic: n.topic,
    events: n.events as Notification['events'],
    ...(Object.keys(filter).length ? { filter } : {}),
  };
}
