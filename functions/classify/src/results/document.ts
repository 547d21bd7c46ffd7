import { z } from 'zod';
import type { Prediction } from '../models/classifier.js';
import { deliveryInfoSchema, type DeliveryInfo } from './delivery.js';
import { parseStored } from './stored.js';
import type { StageTimings } from './timings.js';

/** What classify says about one object version: the reply event's data and the stored JSON. */
export interface ClassificationResult {
  schema: 'bucket-ml.classification/v1';
  object: { bucket: string; key: string; eTag?: string; versionId?: string; size: number; contentType?: string };
  image: { format: string; width: number; height: number };
  model: ModelInfo;
  predictions: Prediction[];
  top: Prediction;
  confidence: 'high' | 'low';
  event: DeliveryInfo;
  timings: StageTimings;
  resultKey: string;
  classifiedAt: string;
}

export interface ModelInfo {
  name: string;
  version: string;
  backend: string;
}

export const modelInfoSchema = z.object({ name: z.string(), version: z.string(), backend: z.string() });
const prediction = z.object({ label: z.string(), index: z.number().int(), score: z.number() });

/** The object a result is about (a failure's may lack the size: it may never have been read). */
export const objectSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  eTag: z.string().optional(),
  versionId: z.string().optional(),
  size: z.number(),
  contentType: z.string().optional(),
});

const storedResultSchema = z.object({
  schema: z.literal('bucket-ml.classification/v1'),
  object: objectSchema,
  image: z.object({ format: z.string(), width: z.number(), height: z.number() }),
  model: modelInfoSchema,
  predictions: z.array(prediction),
  top: prediction,
  confidence: z.enum(['high', 'low']),
  event: deliveryInfoSchema,
  timings: z.object({ fetchMs: z.number(), decodeMs: z.number(), inferenceMs: z.number(), totalMs: z.number() }),
  resultKey: z.string(),
  classifiedAt: z.string(),
});
// The schema checks every field the interface promises (a compile error here means they drifted apart).
const _sameShape: ClassificationResult = {} as z.output<typeof storedResultSchema>;
void _sameShape;

/** The result stored at `resultKey` (see parseStored). */
export function parseStoredResult(text: string, where: string): ClassificationResult {
  return parseStored<ClassificationResult>(storedResultSchema, text, where, 'classification result');
}

/** Everything a result is made of, gathered by the pipeline. */
export interface ResultInput {
  object: ClassificationResult['object'];
  image: ClassificationResult['image'];
  model: ModelInfo;
  /** Best first, at least one. */
  predictions: Prediction[];
  lowConfidenceThreshold: number;
  event: DeliveryInfo;
  timings: StageTimings;
  resultKey: string;
  at: Date;
}

export function buildResult(input: ResultInput): ClassificationResult {
  const top = input.predictions[0];
  if (!top) throw new Error('the model returned no classes');
  return {
    schema: 'bucket-ml.classification/v1',
    object: input.object,
    image: input.image,
    model: input.model,
    predictions: input.predictions,
    top,
    confidence: top.score < input.lowConfidenceThreshold ? 'low' : 'high',
    event: input.event,
    timings: input.timings,
    resultKey: input.resultKey,
    classifiedAt: input.at.toISOString(),
  };
}
