import { CloudEvent } from 'cloudevents';
import { cephSourceAttributes, cephSourceData, type RgwRecord } from '../../packages/local/src/s3-server/notifications/records.ts';

/** The CloudEvent eventing-ceph's CephSource makes of one RGW record (packages/local emulates it). */
export function cephSourceEvent(record: Omit<RgwRecord, 'opaqueData'>, extensions: Record<string, string> = {}): CloudEvent<Record<string, unknown>> {
  return new CloudEvent<Record<string, unknown>>({
    ...cephSourceAttributes(record),
    datacontenttype: 'application/json',
    data: cephSourceData(record),
    ...extensions,
  });
}
