import { createHash } from 'node:crypto';
import { CloudEvent, HTTP } from 'cloudevents';

export interface ListedObject {
  bucket: string;
  key: string;
  eTag?: string | undefined;
  versionId?: string | undefined;
  size?: number | undefined;
  lastModified?: Date | undefined;
}

/**
 * The CloudEvent the CephSource receive adapter would make of RGW's record for this object
 * (eventing-ceph pkg/adapter: type com.amazonaws.<eventName>, source <eventSource>.<region>.<bucket>,
 * subject = key, data = the record), so a Broker's Triggers route it like a live upload. Its id is
 * stable per object version, so a consumer that de-duplicates by id sees a repeated reconcile as one.
 */
export function objectCreatedEvent(object: ListedObject, region: string): CloudEvent<Record<string, unknown>> {
  const eTag = object.eTag?.replace(/^"|"$/g, '');
  const id = createHash('sha256').update(`${object.bucket}\n${object.key}\n${object.versionId ?? ''}\n${eTag ?? ''}`).digest('hex').slice(0, 32);
  const record = {
    eventVersion: '2.2',
    eventSource: 'ceph:s3',
    awsRegion: region,
    eventTime: (object.lastModified ?? new Date()).toISOString(),
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'bucket-ml-reconcile' },
    requestParameters: { sourceIPAddress: '' },
    responseElements: { 'x-amz-request-id': `reconcile.${id}`, 'x-amz-id-2': '' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'bucket-ml-reconcile',
      bucket: { name: object.bucket, ownerIdentity: { principalId: '' }, arn: `arn:aws:s3:${region}::${object.bucket}`, id: '' },
      object: { key: object.key, size: object.size ?? 0, eTag: eTag ?? '', ...(object.versionId ? { versionId: object.versionId } : {}), sequencer: '', metadata: [], tags: [] },
    },
    eventId: '',
    opaqueData: '',
  };
  return new CloudEvent({
    id: `reconcile.${id}`,
    source: `ceph:s3.${region}.${object.bucket}`,
    type: 'com.amazonaws.ObjectCreated:Put',
    subject: object.key,
    time: record.eventTime,
    datacontenttype: 'application/json',
    data: record,
  });
}

/**
 * POSTs the event in binary mode (as the adapter does) to a Broker ingress or classify itself; any 2xx
 * is "accepted". Returns the failure, if any.
 */
export async function sendEvent(target: string, event: CloudEvent<unknown>, timeoutMs: number): Promise<string | undefined> {
  const message = HTTP.binary(event);
  try {
    const res = await fetch(target, {
      method: 'POST',
      headers: message.headers as Record<string, string>,
      body: message.body as string,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    return res.ok ? undefined : `${target} answered ${res.status}`;
  } catch (error) {
    return `${target}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
