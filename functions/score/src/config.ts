import { z } from 'zod';
import { env, loadConfig, modelS3EnvSchema, parseLocation, s3EnvSchema } from './vendor/core/index.js';

/**
 * Every setting of the function, from the environment (documented in ../README.md "Configuration").
 * Parsed once at start; a bad value stops the start with the full list of problems.
 */
const locations = z
  .string({ error: 'is required: one or more model artifact or folder URLs, comma-separated' })
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .superRefine((urls, ctx) => {
    if (urls.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one artifact or folder URL' });
    for (const url of urls) {
      try {
        parseLocation(url);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }
  });
const location = z.string().superRefine((url, ctx) => {
  try {
    parseLocation(url);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

export const configSchema = z.object({
  ...s3EnvSchema.shape,
  /** MODEL_S3_*: the S3 endpoint and credentials models and the dataset are read with (default: the function's). */
  ...modelS3EnvSchema.shape,
  /** Comma-separated artifact files and/or folders (file:// directory, s3:// prefix ending in '/'). */
  MODEL_URL: locations,
  /** CSV or test.json-style data for ?line, ?prediction and ?score. */
  DATASET_URL: location.optional(),
  DATASET_LABEL_COLUMN: z.string().trim().min(1).default('# Letter'),
  /** The model Seldon and inference requests use without ?model= when several are served. */
  DEFAULT_MODEL: z.string().min(1).optional(),
  /** Most rows one request may carry (a 413 beyond). */
  MAX_ROWS: env.int(1, 1_000_000).default(10_000),
  LOG_LEVEL: env.logLevel(),
});
export type Config = z.output<typeof configSchema>;

export const readConfig = (source: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, source);
