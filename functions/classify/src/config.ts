import { z } from 'zod';
import { env, loadConfig, modelS3EnvSchema, s3EnvSchema } from './vendor/core/index.js';

/**
 * Everything classify reads from its environment, checked once at start. Documented, variable by
 * variable, in functions/classify/README.md.
 */
export const classifyEnvSchema = s3EnvSchema.extend({
  /** MODEL_S3_*: the model's own S3 endpoint and credentials (default: the function's). */
  ...modelS3EnvSchema.shape,
  /** model.json of a TF.js layers or graph model: file://, http(s):// or s3://bucket/key. */
  MODEL_URL: z.string({ error: 'is required: where model.json is (file://, http(s):// or s3://)' }),
  /** Optional model description; default: model.config.json beside model.json, if present. */
  MODEL_CONFIG_URL: z.string().optional(),
  MODEL_LABELS_URL: z.string().optional(),
  MODEL_NAME: z.string().optional(),
  MODEL_VERSION: z.string().optional(),
  MODEL_INPUT_SIZE: env.int(8, 4096).optional(),
  /** How 0..255 pixels become model input: `-1..1` (MobileNet), `0..1` (Darknet) or `0..255`. */
  MODEL_SCALING: z.enum(['-1..1', '0..1', '0..255']).optional(),
  MODEL_OUTPUT: z.enum(['softmax', 'logits']).optional(),
  MODEL_RESIZE: z.enum(['center-crop', 'stretch']).optional(),
  MODEL_CROP_FRACTION: env.number().pipe(z.number().gt(0).max(1)).optional(),
  TF_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  TOP_K: env.int(1, 100).default(5),
  /** Below this top-1 score a result is marked low confidence (CloudEvent extension bmlconfidence=low). */
  LOW_CONFIDENCE_THRESHOLD: env.number().pipe(z.number().min(0).max(1)).default(0.5),
  RESULTS_PREFIX: z
    .string()
    .default('results/')
    .refine((v) => v.endsWith('/'), 'must end with /'),
  /** Optional separate bucket for results; default: the bucket the image is in. */
  RESULTS_BUCKET: z.string().optional(),
  /** Comma-separated bucket names classify may read; empty: any bucket the credentials reach. */
  ALLOWED_BUCKETS: env.list().default([]),
  MAX_OBJECT_BYTES: env.int(1).default(25 * 1024 * 1024),
  MAX_PIXELS: env.int(1).default(40_000_000),
  /** Records one request may carry (RGW and CephSource send one); more are refused with 413 before any S3 call. */
  MAX_RECORDS: env.int(1, 1000).default(10),
  /** Source attribute of result events. */
  EVENT_SOURCE: z.string().default('/bucket-ml/classify'),
  LOG_LEVEL: env.logLevel(),
});
export type ClassifyConfig = z.output<typeof classifyEnvSchema>;

export function loadClassifyConfig(environment: NodeJS.ProcessEnv = process.env): ClassifyConfig {
  return loadConfig(classifyEnvSchema, environment);
}
