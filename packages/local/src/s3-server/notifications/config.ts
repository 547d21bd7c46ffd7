/**
 * A bucket's notification configurations, as RGW keeps them: which events, which keys (prefix,
 * suffix, regex filter rules, case-sensitive), and where to push (an HTTP endpoint, like an RGW topic
 * with `push-endpoint`), in RGW's own JSON or as eventing-ceph's CephSource CloudEvent.
 */
import type { ObjectEvent } from './records.js';

export type DeliveryFormat = 'rgw' | 'cephsource';

export interface NotificationConfig {
  /** Becomes the record's s3.configurationId. */
  id: string;
  /** `s3:ObjectCreated:*`, `s3:ObjectCreated:Put`, `s3:ObjectRemoved:*`, … (the `s3:` prefix is optional). */
  events: string[];
  filter?: { prefix?: string; suffix?: string; regex?: string };
  /** http(s) URL the records are POSTed to. */
  endpoint: string;
  /** `rgw` (default): RGW's JSON body; `cephsource`: a binary-mode CloudEvent per record. */
  format?: DeliveryFormat;
  /** The topic's OpaqueData attribute, copied into every record. */
  opaqueData?: string;
}

const KNOWN_EVENTS = [
  'ObjectCreated:*',
  'ObjectCreated:Put',
  'ObjectCreated:Post',
  'ObjectCreated:Copy',
  'ObjectCreated:CompleteMultipartUpload',
  'ObjectRemoved:*',
  'ObjectRemoved:Delete',
  'ObjectRemoved:DeleteMarkerCreated',
];

const bare = (name: string): string => name.replace(/^s3:/, '');

/** Throws with a precise message when a configuration cannot work. */
export function validateConfig(config: NotificationConfig): void {
  if (!config.id) throw new Error('a notification configuration needs an id');
  if (config.events.length === 0) throw new Error(`notification ${config.id}: no events`);
  for (const e of config.events) {
    if (!KNOWN_EVENTS.includes(bare(e))) throw new Error(`notification ${config.id}: unknown event ${e} (use one of s3:${KNOWN_EVENTS.join(', s3:')})`);
  }
  let url: URL;
  try {
    url = new URL(config.endpoint);
  } catch {
    throw new Error(`notification ${config.id}: endpoint ${config.endpoint} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`notification ${config.id}: endpoint must be http(s), not ${url.protocol}`);
  if (config.format && config.format !== 'rgw' && config.format !== 'cephsource') throw new Error(`notification ${config.id}: format must be rgw or cephsource`);
  if (config.filter?.regex !== undefined) new RegExp(config.filter.regex);
}

export function eventMatches(pattern: string, eventName: string): boolean {
  const p = bare(pattern);
  return p.endsWith(':*') ? eventName.startsWith(p.slice(0, -1)) : p === eventName;
}

export function configMatches(config: NotificationConfig, event: Pick<ObjectEvent, 'eventName' | 'object'>): boolean {
  if (!config.events.some((p) => eventMatches(p, event.eventName))) return false;
  const key = event.object.key;
  const { prefix, suffix, regex } = config.filter ?? {};
  if (prefix !== undefined && !key.startsWith(prefix)) return false;
  if (suffix !== undefined && !key.endsWith(suffix)) return false;
  if (regex !== undefined && !new RegExp(regex).test(key)) return false;
  return true;
}
