/**
 * Bucket notification records exactly as Ceph RGW 16.2 writes them (see
 * ../shared/reference/ceph-rgw-16.2/samples): eventName without `s3:`, empty awsRegion, raw keys,
 * numeric size, empty versionId, metadata/tags as [{key,val}], the request's x-amz-* headers as
 * metadata, eventId = <seconds>.<microseconds>.<etag>, opaqueData from the topic. And the CloudEvent
 * that eventing-ceph's CephSource makes of one record (../../eventing/ceph-notification.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cephSourceEvent, decodeNotification } from '../../eventing/ceph-notification.js';
import { toBinary } from '../../eventing/cloudevent.js';

export interface RgwRecord {
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
    object: {
      key: string;
      size: number;
      eTag: string;
      versionId: string;
      sequencer: string;
      metadata: Array<{ key: string; val: string }>;
      tags: Array<{ key: string; val: string }>;
    };
  };
  eventId: string;
  opaqueData: string;
}

/** What happened, independent of any notification configuration. */
export interface ObjectEvent {
  /** Without `s3:`: ObjectCreated:Put, ObjectCreated:Copy, ObjectRemoved:Delete … */
  eventName: string;
  bucket: { name: string; id: string };
  owner: string;
  object: { key: string; size: number; etag: string; tags: Array<{ key: string; val: string }> };
  /** The request's x-amz-* headers, which RGW 16 reports as the record's metadata. */
  amzHeaders: Array<{ key: string; val: string }>;
  time: Date;
  /** Sub-millisecond part of the event time, for RGW's microsecond timestamps. */
  micros: number;
  requestId: string;
  hostId: string;
  sequencer: string;
}

/** Identifiers shaped like this gateway's: zonegroup id, numeric instance id, zone names. */
export const GATEWAY = {
  zonegroupId: randomUUID(),
  instance: 4104,
  hostId: '1008-default-default',
};

let sequence = BigInt(Date.now()) * 1000n;

/** RGW's per-event request id: `<zonegroup id>.<instance>.<64-bit number>`. */
export function newEventIds(): { requestId: string; hostId: string; sequencer: string } {
  sequence += 1n;
  return {
    requestId: `${GATEWAY.zonegroupId}.${GATEWAY.instance}.${randomBytes(8).readBigUInt64BE()}`,
    hostId: GATEWAY.hostId,
    // 16 upper-case hex digits, increasing: consumers may order events of one key by it
    sequencer: (sequence & 0xffffffffffffffffn).toString(16).toUpperCase().padStart(16, '0'),
  };
}

/** 2026-11-23T14:53:57.743358Z: RGW prints microseconds. */
export function rgwTime(time: Date, micros: number): string {
  const iso = time.toISOString(); // …:57.743Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

export function rgwRecord(event: ObjectEvent, configurationId: string, opaqueData: string): RgwRecord {
  const seconds = Math.floor(event.time.getTime() / 1000);
  const micro = (event.time.getTime() % 1000) * 1000 + event.micros;
  return {
    eventVersion: '2.2',
    eventSource: 'ceph:s3',
    awsRegion: '',
    eventTime: rgwTime(event.time, event.micros),
    eventName: event.eventName,
    userIdentity: { principalId: event.owner },
    requestParameters: { sourceIPAddress: '' },
    responseElements: { 'x-amz-request-id': event.requestId, 'x-amz-id-2': event.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: { name: event.bucket.name, ownerIdentity: { principalId: event.owner }, arn: `arn:aws:s3:::${event.bucket.name}`, id: event.bucket.id },
      object: {
        key: event.object.key,
        size: event.object.size,
        eTag: event.object.etag,
        versionId: '',
        sequencer: event.sequencer,
        metadata: event.amzHeaders,
        tags: event.object.tags,
      },
    },
    eventId: `${seconds}.${String(micro).padStart(6, '0')}.${event.object.etag}`,
    opaqueData,
  };
}

/** The body RGW POSTs: always one record. */
export function rgwBody(record: RgwRecord): string {
  return JSON.stringify({ Records: [record] });
}

/**
 * The CephSource's view of a record: the one emulation of eventing-ceph's adapter lives with the
 * eventing stand-ins (../../eventing/ceph-notification.ts, where the upstream rules are cited).
 */
export function cephSourceData(r: unknown): Record<string, unknown> {
  return { ...decodeNotification(r) };
}

/** The CloudEvent attributes eventing-ceph's adapter sets for one record (subject left out when empty). */
export function cephSourceAttributes(r: unknown): { id: string; source: string; type: string; subject?: string; time: string } {
  const { id, source, type, subject, time } = cephSourceEvent(decodeNotification(r)).attributes;
  return { id: id!, source: source!, type: type!, ...(subject !== undefined ? { subject } : {}), time: time! };
}

/** The binary-mode CloudEvent (headers + body) the CephSource adapter sends to its sink. */
export function cephSourceRequest(r: RgwRecord): { headers: Record<string, string>; body: string } {
  const { headers, body } = toBinary(cephSourceEvent(decodeNotification(r)));
  return { headers, body: body.toString('utf8') };
}
