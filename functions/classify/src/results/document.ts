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
