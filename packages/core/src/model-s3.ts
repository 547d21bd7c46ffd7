import { z } from 'zod';
import { ConfigError } from './config.js';
import type { LocationDeps } from './location.js';
import { s3ClientFor, s3Endpoint, type S3Env } from './s3.js';

/**
 * Credentials of their own for reading models (and the data served beside them) from s3:// URLs. A
 * function's S3 user may reach one bucket only: Rook gives an ObjectBucketClaim's user MaxBuckets 1 and
 * no access to other buckets, so a model in `s3://models/…` is unreadable with the claim's keys. Unset,
 * model loading uses the function's own S3 settings and credentials.
 */
export const modelS3EnvSchema = z.object({
  /** Default: the function's endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL). */
  MODEL_S3_ENDPOINT_URL: z.url({ protocol: /^https?$/ }).optional(),
  MODEL_S3_ACCESS_KEY_ID: z.string().optional(),
  MODEL_S3_SECRET_ACCESS_KEY: z.string().optional(),
});
export type ModelS3Env = z.output<typeof modelS3EnvSchema>;

/**
 * What model loading reads s3:// locations with: the model credentials when set, else the function's
 * S3 client. The credentials' owner is named in every S3 error, so an access denied at start says
 * which keys were refused and what to set.
 */
export function modelLocationDeps(env: S3Env & ModelS3Env): LocationDeps {
  const { MODEL_S3_ACCESS_KEY_ID: accessKeyId, MODEL_S3_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    const missing = accessKeyId === undefined ? 'MODEL_S3_ACCESS_KEY_ID' : 'MODEL_S3_SECRET_ACCESS_KEY';
    throw new ConfigError([`${missing}: is required when ${missing === 'MODEL_S3_ACCESS_KEY_ID' ? 'MODEL_S3_SECRET_ACCESS_KEY' : 'MODEL_S3_ACCESS_KEY_ID'} is set (model credentials come in pairs)`]);
  }
  const endpoint = env.MODEL_S3_ENDPOINT_URL ?? s3Endpoint(env);
  const common = { endpoint, region: env.AWS_REGION, forcePathStyle: env.S3_FORCE_PATH_STYLE };
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    return { s3: s3ClientFor({ ...common, credentials: { accessKeyId, secretAccessKey } }), s3Identity: `the model credentials (MODEL_S3_ACCESS_KEY_ID ${accessKeyId})` };
  }
  return {
    s3: s3ClientFor(common),
    s3Identity: "the function's own S3 credentials (MODEL_S3_ACCESS_KEY_ID is unset: set it and MODEL_S3_SECRET_ACCESS_KEY to a user that can read the models)",
  };
}
