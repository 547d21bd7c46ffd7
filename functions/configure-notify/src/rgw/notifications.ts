/**
 * Bucket notifications through RGW's S3 API, with hand-made XML for Ceph's filter extensions
 * (S3Metadata, S3Tags, regex in S3Key). What RGW 16 really does:
 * - PUT ?notification MERGES by id: configurations not in the body stay (AWS would replace them).
 *   An empty configuration is refused (400 MalformedXML).
 * - Configurations are kept per (id, topic): PUT of an existing id with another topic ADDS a second
 *   configuration under the same id, and both deliver. Moving an id to another topic = delete + put.
 * - DELETE ?notification=<id> (a Ceph extension) removes ONE configuration with that id; missing
 *   ids answer 200. DELETE ?notification removes all.
 * - A PUT naming a topic that does not exist answers 404 NoSuchKey; an unknown event 400
 *   InvalidArgument; two rules of one kind, or `Prefix` instead of `prefix`, 400 MalformedXML.
 *   A regex is NOT checked (and is matched against the WHOLE key: `\.jpg` never matches).
 * - GET answers without a namespace, Filter before Event; a configuration put without events reads
 *   back with s3:ObjectCreated:* and s3:ObjectRemoved:*.
 */
import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { NotificationSpec } from '../state/canonical.js';
import { RgwError } from './errors.js';
import { rawS3, rgwErrors } from './raw.js';
import { topicNameOfArn } from './topics.js';
import { escapeXml } from '../vendor/core/index.js';
import { child, childText, childrenNamed, parseXml } from './xml.js';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

function rules(element: string, list: Array<{ name: string; value: string }>): string {
  if (list.length === 0) return '';
  const body = list.map((r) => `<FilterRule><Name>${escapeXml(r.name)}</Name><Value>${escapeXml(r.value)}</Value></FilterRule>`).join('');
  return `<${element}>${body}</${element}>`;
}

/** The PutBucketNotificationConfiguration body for these configurations. */
export function notificationXml(configs: NotificationSpec[], arnOf: (topic: string) => string): string {
  const parts = configs.map((n) => {
    const key = (['prefix', 'suffix', 'regex'] as const).flatMap((name) => (n.filter.key[name] === undefined ? [] : [{ name, value: n.filter.key[name] }]));
    const filter = rules('S3Key', key) + rules('S3Metadata', n.filter.metadata) + rules('S3Tags', n.filter.tags);
    return (
      '<TopicConfiguration>' +
      `<Id>${escapeXml(n.id)}</Id>` +
      `<Topic>${escapeXml(arnOf(n.topic))}</Topic>` +
      n.events.map((e) => `<Event>${escapeXml(e)}</Event>`).join('') +
      (filter ? `<Filter>${filter}</Filter>` : '') +
      '</TopicConfiguration>'
    );
  });
  return `<?xml version="1.0" encoding="UTF-8"?><NotificationConfiguration xmlns="${NS}">${parts.join('')}</NotificationConfiguration>`;
}

/** Parses a GetBucketNotificationConfiguration answer into canonical configurations. */
export function parseNotificationXml(xml: string, bucket: string): NotificationSpec[] {
  const root = parseXml(xml);
  return childrenNamed(root, 'TopicConfiguration').map((tc) => {
    const filter = child(tc, 'Filter');
    const read = (element: string) =>
      childrenNamed(child(filter, element), 'FilterRule').map((r) => ({ name: childText(r, 'Name') ?? '', value: childText(r, 'Value') ?? '' }));
    const key: NotificationSpec['filter']['key'] = {};
    for (const r of read('S3Key')) {
      if (r.name === 'prefix' || r.name === 'suffix' || r.name === 'regex') key[r.name] = r.value;
    }
    const sort = (list: Array<{ name: string; value: string }>) => list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.value < b.value ? -1 : 1));
    return {
      bucket,
      id: childText(tc, 'Id') ?? '',
      topic: topicNameOfArn(childText(tc, 'Topic') ?? ''),
      events: [...new Set(childrenNamed(tc, 'Event').map((e) => e.text))].sort(),
      filter: { key, metadata: sort(read('S3Metadata')), tags: sort(read('S3Tags')) },
    };
  });
}

/** The bucket's notification configurations; null when the bucket does not exist. */
export async function getBucketNotifications(s3: S3Client, bucket: string): Promise<NotificationSpec[] | null> {
  try {
    const { body } = await rawS3(s3, { method: 'GET', bucket, query: { notification: '' } });
    return parseNotificationXml(body || '<NotificationConfiguration/>', bucket);
  } catch (error) {
    if (error instanceof RgwError && error.code === 'NoSuchBucket') return null;
    throw error;
  }
}

/** Adds or overwrites (by id and topic) these configurations; others on the bucket are untouched. */
export async function putBucketNotifications(s3: S3Client, bucket: string, configs: NotificationSpec[], arnOf: (topic: string) => string): Promise<void> {
  if (configs.length === 0) return;
  await rawS3(s3, { method: 'PUT', bucket, query: { notification: '' }, body: notificationXml(configs, arnOf) });
}

/** Removes one configuration with this id (call once per configuration RGW holds under it). */
export async function deleteBucketNotification(s3: S3Client, bucket: string, id: string): Promise<void> {
  await rawS3(s3, { method: 'DELETE', bucket, query: { notification: id } });
}

/** Names of the user's buckets. */
export async function listBuckets(s3: S3Client): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const out = await s3.send(rgwErrors(new ListBucketsCommand(token ? { ContinuationToken: token } : {})));
    for (const b of out.Buckets ?? []) if (b.Name) names.push(b.Name);
    if (!out.ContinuationToken || out.ContinuationToken === token) break;
    token = out.ContinuationToken;
  }
  return names.sort();
}
