/**
 * Which sender a delivery came from, told from the delivery alone (pure), for
 * `bucketml_classify_deliveries_total{shape}`:
 *
 * - `rgw-post`: plain HTTP (no CloudEvent) whose body is a `{"Records":[…]}` document: an RGW topic
 *   with an http(s) endpoint (every Ceph release; all Pacific can send), or `func invoke --format http`.
 * - `cephsource`: a CloudEvent whose data is ONE bare record: eventing-ceph's adapter re-sends each
 *   record of RGW's POST as its own event with the record as data (pkg/adapter/adapter.go).
 * - `rgw-cloudevent`: a CloudEvent whose data is the whole `{"Records":[…]}` document: RGW 17+ with
 *   `cloudevents=true` (captured from 18.2: /work/shared/reference/ceph-rgw-18/samples).
 * - `broker-redelivery`: a CloudEvent a Broker delivers again. Knative marks no retry on the event
 *   (the dispatcher re-sends the same one), so: it came through a Broker (the ingress stamps
 *   `knativearrivaltime` on every event, knative/eventing pkg/broker/ingress/ingress_handler.go) and
 *   this instance already took the same source + id; or it carries the dead-letter extensions
 *   (`knativeerrordest`, `knativeerrorcode`, pkg/kncloudevents/attributes/knative_error.go): a dead
 *   letter replayed. Retries that land on another instance are counted by their sender's shape, so
 *   this is a lower bound.
 * - `other`: anything else (wrong shape; counted before it is refused).
 */

export type DeliveryShape = 'rgw-post' | 'cephsource' | 'rgw-cloudevent' | 'broker-redelivery' | 'other';

export const DELIVERY_SHAPES: readonly DeliveryShape[] = ['rgw-post', 'cephsource', 'rgw-cloudevent', 'broker-redelivery', 'other'];

/** The CloudEvent as the runtime hands it: attributes and extensions are its properties. */
export interface DeliveredEvent {
  id: string;
  source: string;
  data?: unknown;
}

const extension = (event: DeliveredEvent, name: string): unknown => (event as unknown as Record<string, unknown>)[name];

export const BROKER_ARRIVAL_EXTENSION = 'knativearrivaltime';
const DEAD_LETTER_EXTENSIONS = ['knativeerrordest', 'knativeerrorcode'];

/** Identity of a CloudEvent (CloudEvents 1.0: source + id is unique per distinct event). */
export const eventIdentity = (event: DeliveredEvent): string => `${event.source}\n${event.id}`;

export function viaBroker(event: DeliveredEvent): boolean {
  return extension(event, BROKER_ARRIVAL_EXTENSION) !== undefined;
}

/** `seenBefore`: this instance already took an event with the same identity. */
export function deliveryShape(cloudevent: DeliveredEvent | undefined, body: unknown, seenBefore: boolean): DeliveryShape {
  if (cloudevent === undefined) return form(body) === 'document' ? 'rgw-post' : 'other';
  if (DEAD_LETTER_EXTENSIONS.some((name) => extension(cloudevent, name) !== undefined)) return 'broker-redelivery';
  if (seenBefore && viaBroker(cloudevent)) return 'broker-redelivery';
  switch (form(cloudevent.data)) {
    case 'record':
      return 'cephsource';
    case 'document':
      return 'rgw-cloudevent';
    default:
      return 'other';
  }
}

/** A Records document, one bare record (it has `s3`), or neither. Text and bytes are read as JSON. */
function form(data: unknown): 'document' | 'record' | undefined {
  const value = typeof data === 'string' || data instanceof Uint8Array ? parsed(data) : data;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray((value as { Records?: unknown }).Records)) return 'document';
  return 's3' in value ? 'record' : undefined;
}

function parsed(data: string | Uint8Array): unknown {
  try {
    return JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The identities of the last `capacity` events this instance took (oldest forgotten first). */
export class RecentEvents {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 4096) {}

  /** Remembers `id`; true when it was already there. */
  seen(id: string): boolean {
    if (this.ids.has(id)) return true;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return false;
  }
}
