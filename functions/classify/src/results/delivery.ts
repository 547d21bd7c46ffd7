import { z } from 'zod';
import type { Envelope } from '../events/envelope.js';
import type { ObjectEvent } from '../events/record.js';

/** The `event` field of results and failures: which delivery produced them, and its trace context. */
export interface DeliveryInfo {
  delivery: Envelope['delivery'];
  id?: string;
  type?: string;
  eventName: string;
  eventTime?: string;
  traceparent?: string;
  tracestate?: string;
}

export const deliveryInfoSchema = z.object({
  delivery: z.enum(['http', 'cloudevent']),
  id: z.string().optional(),
  type: z.string().optional(),
  eventName: z.string(),
  eventTime: z.string().optional(),
  traceparent: z.string().optional(),
  tracestate: z.string().optional(),
});

export function deliveryInfo(envelope: Envelope, event: ObjectEvent): DeliveryInfo {
  return {
    delivery: envelope.delivery,
    ...(envelope.eventId ? { id: envelope.eventId } : {}),
    ...(envelope.eventType ? { type: envelope.eventType } : {}),
    eventName: event.eventName,
    ...(event.eventTime ? { eventTime: event.eventTime } : {}),
    ...envelope.trace,
  };
}
