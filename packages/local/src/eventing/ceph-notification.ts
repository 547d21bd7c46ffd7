/**
 * What eventing-ceph's receive adapter makes of RGW's `{"Records":[…]}` (knative-extensions/eventing-ceph
 * pkg/adapter/adapter.go postHandler/postMessage, types in pkg/apis/bindings/v1alpha1/
 * bucket_notification_types.go). The one emulation of the CephSource: the adapter stand-in and the
 * embedded S3 server's `cephsource` delivery format both use it.
 *
 * - Records are read the way Go's encoding/json fills those structs: unknown fields dropped (so RGW's
 *   `opaqueData` and `tags` vanish, and its metadata `{key,val}` becomes `{key,value:""}`), null leaves the
 *   zero value, keys match case-insensitively (exact match preferred), a wrong JSON type is an error.
 * - One CloudEvent per record: id = x-amz-request-id + x-amz-id-2, source = eventSource.awsRegion.bucket,
 *   type = com.amazonaws.<eventName>, subject = key, time = eventTime parsed as RFC 3339 (now when it does
 *   not parse) and printed back by sdk-go in UTC with nanoseconds, trailing zeros dropped; data = the
 *   struct as JSON (Go escapes <, >, & and U+2028/9).
 */
import type { Event } from './cloudevent.js';

export interface BucketNotification {
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  eventTime: string;
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: string;
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string; id: string };
    object: { key: string; size: number; eTag: string; versionId: string; sequencer: string; metadata: Array<{ key: string; value: string }> | null };
  };
  eventId: string;
}

/** What Go's json.Unmarshal would have refused. */
export class GoJsonError extends Error {
  override name = 'GoJsonError';
}

type Fields = Record<string, unknown>;

function field(obj: Fields, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}

function object(v: unknown, path: string): Fields {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new GoJsonError(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${path} of type object`);
  return v as Fields;
}

function string(obj: Fields, name: string, path: string): string {
  const v = field(obj, name);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new GoJsonError(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${path}.${name} of type string`);
  return v;
}

function uint(obj: Fields, name: string, path: string): number {
  const v = field(obj, name);
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new GoJsonError(`json: cannot unmarshal ${jsonType(v)} ${JSON.stringify(v)} into Go struct field ${path}.${name} of type uint`);
  return v;
}

const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

/** One record as the BucketNotification struct holds it. */
export function decodeNotification(raw: unknown, path = 'BucketNotifications.Records'): BucketNotification {
  const r = object(raw, path);
  const s3 = object(field(r, 's3'), `${path}.s3`);
  const bucket = object(field(s3, 'bucket'), `${path}.s3.bucket`);
  const obj = object(field(s3, 'object'), `${path}.s3.object`);
  const rawMetadata = field(obj, 'metadata');
  let metadata: BucketNotification['s3']['object']['metadata'] = null;
  if (rawMetadata !== undefined && rawMetadata !== null) {
    if (!Array.isArray(rawMetadata)) throw new GoJsonError(`json: cannot unmarshal ${jsonType(rawMetadata)} into Go struct field ${path}.s3.object.metadata of type []v1alpha1.MetadataEntry`);
    metadata = rawMetadata.map((m, i) => {
      const e = object(m, `${path}.s3.object.metadata[${i}]`);
      return { key: string(e, 'key', `${path}.s3.object.metadata`), value: string(e, 'value', `${path}.s3.object.metadata`) };
    });
  }
  const sub = (name: string): Fields => object(field(r, name), `${path}.${name}`);
  return {
    eventVersion: string(r, 'eventVersion', path),
    eventSource: string(r, 'eventSource', path),
    awsRegion: string(r, 'awsRegion', path),
    eventTime: string(r, 'eventTime', path),
    eventName: string(r, 'eventName', path),
    userIdentity: { principalId: string(sub('userIdentity'), 'principalId', `${path}.userIdentity`) },
    requestParameters: { sourceIPAddress: string(sub('requestParameters'), 'sourceIPAddress', `${path}.requestParameters`) },
    responseElements: {
      'x-amz-request-id': string(sub('responseElements'), 'x-amz-request-id', `${path}.responseElements`),
      'x-amz-id-2': string(sub('responseElements'), 'x-amz-id-2', `${path}.responseElements`),
    },
    s3: {
      s3SchemaVersion: string(s3, 's3SchemaVersion', `${path}.s3`),
      configurationId: string(s3, 'configurationId', `${path}.s3`),
      bucket: {
        name: string(bucket, 'name', `${path}.s3.bucket`),
        ownerIdentity: { principalId: string(object(field(bucket, 'ownerIdentity'), `${path}.s3.bucket.ownerIdentity`), 'principalId', `${path}.s3.bucket.ownerIdentity`) },
        arn: string(bucket, 'arn', `${path}.s3.bucket`),
        id: string(bucket, 'id', `${path}.s3.bucket`),
      },
      object: {
        key: string(obj, 'key', `${path}.s3.object`),
        size: uint(obj, 'size', `${path}.s3.object`),
        eTag: string(obj, 'eTag', `${path}.s3.object`),
        versionId: string(obj, 'versionId', `${path}.s3.object`),
        sequencer: string(obj, 'sequencer', `${path}.s3.object`),
        metadata,
      },
    },
    eventId: string(r, 'eventId', path),
  };
}

/** The request body as `BucketNotifications`: `{"Records":[…]}` (null or a missing field: no records). */
export function decodeNotifications(body: string): BucketNotification[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    throw new GoJsonError((e as Error).message);
  }
  const top = object(doc, 'BucketNotifications');
  const records = field(top, 'Records');
  if (records === undefined || records === null) return [];
  if (!Array.isArray(records)) throw new GoJsonError(`json: cannot unmarshal ${jsonType(records)} into Go struct field BucketNotifications.Records of type []v1alpha1.BucketNotification`);
  return records.map((r) => decodeNotification(r));
}

/** Go's json.Marshal output for plain data: HTML-sensitive characters escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/** time.Parse(time.RFC3339, s) then sdk-go's UTC RFC3339Nano; `now` when it does not parse. */
export function cephSourceTime(eventTime: string, now: () => Date = () => new Date()): string {
  const m = RFC3339.exec(eventTime);
  const valid = m && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= 31 && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
  if (!m || !valid) return formatNano(now().getTime(), '');
  const offsetMin = m[8] === 'Z' ? 0 : (m[8]!.startsWith('-') ? -1 : 1) * (Number(m[8]!.slice(1, 3)) * 60 + Number(m[8]!.slice(4, 6)));
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - offsetMin * 60_000;
  return formatNano(ms, (m[7] ?? '').slice(0, 9));
}

function formatNano(ms: number, fraction: string): string {
  const whole = new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
  const digits = (fraction || String(ms % 1000).padStart(3, '0')).replace(/0+$/, '');
  return `${whole}${digits ? `.${digits}` : ''}Z`;
}

/** The CloudEvent the adapter sends for one record. */
export function cephSourceEvent(n: BucketNotification, now?: () => Date): Event {
  // sdk-go event/eventcontext_v1_writer.go: SetID, SetType and SetSubject trim spaces; an empty subject
  // is left out, an empty id fails the send (cloudevent.ts validate)
  const subject = n.s3.object.key.trim();
  return {
    attributes: {
      specversion: '1.0',
      id: (n.responseElements['x-amz-request-id'] + n.responseElements['x-amz-id-2']).trim(),
      source: `${n.eventSource}.${n.awsRegion}.${n.s3.bucket.name}`,
      type: `com.amazonaws.${n.eventName}`.trim(),
      ...(subject ? { subject } : {}),
      time: cephSourceTime(n.eventTime, now),
      datacontenttype: 'application/json',
    },
    data: Buffer.from(goJson(n), 'utf8'),
  };
}
