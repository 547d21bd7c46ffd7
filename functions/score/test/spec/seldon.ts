import { z } from 'zod';

/**
 * Seldon Core v1's SeldonMessage in its JSON form, transcribed from seldon-core proto/prediction.proto
 * (v1.18.2; reproduced in doc/source/reference/apis/prediction.md), not from this function's answers.
 * proto3 JSON: enums by name (or number), maps as objects, oneof = at most one of the fields.
 */
const status = z.object({
  code: z.int().optional(),
  info: z.string().optional(),
  reason: z.string().optional(),
  status: z.union([z.enum(['SUCCESS', 'FAILURE']), z.literal(0), z.literal(1)]).optional(),
});

const metric = z.object({ key: z.string(), type: z.enum(['COUNTER', 'GAUGE', 'TIMER']).optional(), value: z.number(), tags: z.record(z.string(), z.string()).optional() });

const meta = z.object({
  puid: z.string().optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
  routing: z.record(z.string(), z.int()).optional(),
  requestPath: z.record(z.string(), z.string()).optional(),
  metrics: z.array(metric).optional(),
});

const tensor = z.object({ shape: z.array(z.int()), values: z.array(z.number()) });

const defaultData = z
  .object({ names: z.array(z.string()).optional(), tensor: tensor.optional(), ndarray: z.array(z.unknown()).optional(), tftensor: z.unknown().optional() })
  .refine((d) => [d.tensor, d.ndarray, d.tftensor].filter((x) => x !== undefined).length <= 1, 'DefaultData.data_oneof: at most one of tensor, ndarray, tftensor');

export const seldonMessage = z
  .object({
    status: status.optional(),
    meta: meta.optional(),
    data: defaultData.optional(),
    binData: z.string().optional(),
    strData: z.string().optional(),
    jsonData: z.unknown().optional(),
    customData: z.unknown().optional(),
  })
  .strict()
  .refine((m) => ['data', 'binData', 'strData', 'jsonData', 'customData'].filter((k) => k in m).length <= 1, 'SeldonMessage.data_oneof: at most one payload');

/** A failure as seldon-core reports it: a SeldonMessage whose status is FAILURE. */
export const seldonFailure = z.object({
  status: status.extend({ info: z.string(), reason: z.string(), status: z.union([z.literal('FAILURE'), z.literal(1)]) }),
});
