import { z } from 'zod';

/**
 * One S3 event record as the senders write it: RGW 16 (`eventName` without `s3:`, raw keys, numeric
 * size, `metadata` as [{key,val}]), AWS (`s3:` prefix, URL-encoded keys with '+' for spaces),
 * eventing-ceph's CephSource (re-marshalled from Go: `metadata` as [{key,value}] with empty values,
 * no tags) and RGW 17+. Only what classification needs is required; the rest passes through.
 */
const sizeSchema = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

export const s3RecordSchema = z.looseObject({
  eventVersion: z.string().optional(),
  eventSource: z.string().optional(),
  awsRegion: z.string().optional(),
  eventTime: z.string().optional(),
  eventName: z.string().optional(),
  eventId: z.string().optional(),
  opaqueData: z.string().optional(),
  responseElements: z
    .looseObject({ 'x-amz-request-id': z.string().optional(), 'x-amz-id-2': z.string().optional() })
    .optional(),
  s3: z.looseObject({
    configurationId: z.string().optional(),
    bucket: z.looseObject({ name: z.string().min(1, 'bucket name is empty') }),
    object: z.looseObject({
      key: z.string().min(1, 'object key is empty'),
      size: sizeSchema.optional(),
      eTag: z.string().optional(),
      versionId: z.string().nullable().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});
export type S3Record = z.output<typeof s3RecordSchema>;

/** What the rest of the function knows about an object event, whoever sent it. */
export interface ObjectEvent {
  /** Without the `s3:` prefix: `ObjectCreated:Put`. */
  eventName: string;
  bucket: string;
  /** Decoded: the key as stored. */
  key: string;
  size?: number;
  /** Without quotes; undefined when the sender left it empty. */
  eTag?: string;
  /** undefined for unversioned buckets (RGW sends "", AWS omits it or sends "null"). */
  versionId?: string;
  sequencer?: string;
  eventTime?: string;
  eventSource?: string;
  configurationId?: string;
  /** RGW's `x-amz-request-id`, which identifies the write that caused the event. */
  requestId?: string;
}

export function normalizeEventName(name: string): string {
  return name.replace(/^s3:/, '');
}

/** AWS URL-encodes keys in notifications (form encoding: '+' is a space); Ceph sends them raw. */
export function decodeKey(key: string, eventSource: string | undefined): string {
  if (eventSource !== 'aws:s3') return key;
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

const blankToUndefined = (v: string | null | undefined): string | undefined =>
  v === undefined || v === null || v === '' || v === 'null' ? undefined : v;

/** `fallbackEventName` covers senders that put the event name only in the CloudEvent type. */
export function toObjectEvent(record: S3Record, fallbackEventName?: string): ObjectEvent | undefined {
  const eventName = blankToUndefined(record.eventName) ?? fallbackEventName;
  if (!eventName) return undefined;
  const object = record.s3.object;
  const eTag = blankToUndefined(object.eTag)?.replace(/^"|"$/g, '');
  return {
    eventName: normalizeEventName(eventName),
    bucket: record.s3.bucket.name,
    key: decodeKey(object.key, record.eventSource),
    ...(object.size === undefined ? {} : { size: object.size }),
    ...(eTag ? { eTag } : {}),
    ...(blankToUndefined(object.versionId) ? { versionId: object.versionId as string } : {}),
    ...(blankToUndefined(object.sequencer) ? { sequencer: object.sequencer as string } : {}),
    ...(blankToUndefined(record.eventTime) ? { eventTime: record.eventTime as string } : {}),
    ...(blankToUndefined(record.eventSource) ? { eventSource: record.eventSource as string } : {}),
    ...(blankToUndefined(record.s3.configurationId) ? { configurationId: record.s3.configurationId as string } : {}),
    ...(blankToUndefined(record.responseElements?.['x-amz-request-id'])
      ? { requestId: record.responseElements?.['x-amz-request-id'] as string }
      : {}),
  };
}
