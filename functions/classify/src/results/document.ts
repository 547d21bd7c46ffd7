import { z } from 'zod';
import { FunctionError } from '../vendor/core/index.js';
import type { Delivery } from '../events/envelope.js';
import type { Prediction } from '../models/classifier.js';

/** What classify says about one object version: the reply event's data and the stored JSON. */
export interface ClassificationResult {
  schema: 'bucket-ml.classification/v1';
  object: { bucket: string; key: string; eTag?: string; versionId?: string; size: number; contentType?: string };
  image: { format: string; width: number; height: number };
  model: { name: string; version: string; backend: string };
  predictions: Prediction[];
  top: Prediction;
  confidence: 'high' | 'low';
  event: { delivery: Delivery; id?: string; type?: string; eventName: string; eventTime?: string };
  timings: { fetchMs: number; decodeMs: number; inferenceMs: number; totalMs: number };
  resultKey: string;
  classifiedAt: string;
}

const prediction = z.object({ label: z.string(), index: z.number().int(), score: z.number() });

/** A stored result as read back from the bucket (someone else may have written that key). */
const storedResultSchema = z.object({
  schema: z.literal('bucket-ml.classification/v1'),
  object: z.object({
    bucket: z.string(),
    key: z.string(),
    eTag: z.string().optional(),
    versionId: z.string().optional(),
    size: z.number(),
    contentType: z.string().optional(),
  }),
  image: z.object({ format: z.string(), width: z.number(), height: z.number() }),
  model: z.object({ name: z.string(), version: z.string(), backend: z.string() }),
  predictions: z.array(prediction),
  top: prediction,
  confidence: z.enum(['high', 'low']),
  event: z.object({
    delivery: z.enum(['http', 'cloudevent']),
    id: z.string().optional(),
    type: z.string().optional(),
    eventName: z.string(),
    eventTime: z.string().optional(),
  }),
  timings: z.object({ fetchMs: z.number(), decodeMs: z.number(), inferenceMs: z.number(), totalMs: z.number() }),
  resultKey: z.string(),
  classifiedAt: z.string(),
});
// The schema checks every field the interface promises (a compile error here means they drifted apart).
const _sameShape: ClassificationResult = {} as z.output<typeof storedResultSchema>;
void _sameShape;

/**
 * The result stored at `resultKey`, exactly as stored (fields a newer classify added pass through), so
 * a duplicate delivery re-emits the very data of the first reply. Anything else at that key is a
 * permanent failure: retrying cannot make it a result, deleting it lets the image be classified again.
 */
export function parseStoredResult(text: string, where: string): ClassificationResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = storedResultSchema.safeParse(json);
  if (!parsed.success) {
    const problem = json === undefined ? 'not JSON' : parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ');
    throw new FunctionError(422, 'result_unreadable', `${where} holds no classification result (${problem}); delete it to classify the image again`);
  }
  return json as ClassificationResult;
}
