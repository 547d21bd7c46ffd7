// Which sender a delivery came from, told from what each sender really sends: RGW 16's POST and
// RGW 18's CloudEvent as captured, CephSource's event as its adapter builds it, a Broker's marks.
import { readFileSync } from 'node:fs';
import { CloudEvent, HTTP } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { deliveryShape, eventIdentity, RecentEvents, type DeliveredEvent } from '../src/metrics/delivery-shape.ts';
import { cephSourceEvent } from '../../../test/support/cephsource.ts';
import { sharedPath } from '../../../test/support/paths.ts';
import type { RgwRecord } from '../../../packages/local/src/s3-server/notifications/records.ts';

const rgw16 = JSON.parse(readFileSync(sharedPath('reference/ceph-rgw-16.2/samples/non-persistent.json'), 'utf8')) as { headers: Record<string, string>; body: { Records: [RgwRecord] } };
const rgw18 = JSON.parse(readFileSync(sharedPath('reference/ceph-rgw-18/samples/cloudevents-binary.jsonl'), 'utf8').split('\n')[0]!) as { headers: Record<string, string>; body: string };

/** As faas-js-runtime hands it to handle: parsed from the wire by the CloudEvents SDK. */
const received = (message: { headers: Record<string, string>; body: unknown }): DeliveredEvent =>
  HTTP.toEvent({ headers: message.headers, body: message.body }) as CloudEvent<unknown> as DeliveredEvent;

const wire = (message: { headers: Record<string, unknown>; body: unknown }) => ({ headers: message.headers as Record<string, string>, body: message.body });
const cephSource = received(wire(HTTP.binary(cephSourceEvent(rgw16.body.Records[0]))));
const fromRgw18 = received({ headers: rgw18.headers, body: rgw18.body });
const throughBroker = (event: DeliveredEvent) => ({ ...event, knativearrivaltime: '2026-11-29T12:00:00.123Z' });

describe('delivery shape', () => {
  it('tells each sender apart by what it sends', () => {
    expect(deliveryShape(undefined, rgw16.body, false)).toBe('rgw-post');
    expect(deliveryShape(undefined, JSON.stringify(rgw16.body), false)).toBe('rgw-post');
    expect(deliveryShape(cephSource, undefined, false)).toBe('cephsource');
    expect(deliveryShape(fromRgw18, undefined, false)).toBe('rgw-cloudevent');
    expect(deliveryShape(received(wire(HTTP.structured(new CloudEvent({ type: 'boson.fn', source: '/boson/fn', data: { message: 'Hello World' } })))), undefined, false)).toBe('other');
    expect(deliveryShape(undefined, '{"message":"Hello World"}', false)).toBe('other');
    expect(deliveryShape(undefined, undefined, false)).toBe('other');
  });

  it('calls an event a Broker re-delivery when a Broker brings it again, or it is a replayed dead letter', () => {
    // the first delivery through a Broker keeps its sender's shape
    expect(deliveryShape(throughBroker(cephSource), undefined, false)).toBe('cephsource');
    expect(deliveryShape(throughBroker(cephSource), undefined, true)).toBe('broker-redelivery');
    expect(deliveryShape(throughBroker(fromRgw18), undefined, true)).toBe('broker-redelivery');
    // the same id straight from its sender (no Broker) is that sender again
    expect(deliveryShape(fromRgw18, undefined, true)).toBe('rgw-cloudevent');
    const deadLetter = { ...cephSource, knativeerrordest: 'http://classify.bucket-ml.svc', knativeerrorcode: '500' };
    expect(deliveryShape(deadLetter, undefined, false)).toBe('broker-redelivery');
  });

  it('remembers recent events by source and id, forgetting the oldest', () => {
    const recent = new RecentEvents(2);
    const a = eventIdentity(cephSource);
    expect(recent.seen(a)).toBe(false);
    expect(recent.seen(a)).toBe(true);
    // the same id from another source is another event
    expect(recent.seen(eventIdentity({ ...cephSource, source: 'elsewhere' }))).toBe(false);
    expect(recent.seen(eventIdentity(fromRgw18))).toBe(false);
    expect(recent.seen(a)).toBe(false);
  });
});
