import { z } from 'zod';
import { env, loadConfig } from './vendor/core/index.js';
import { rgwEnvSchema } from './rgw/client.js';

/**
 * Everything the function reads from its environment, checked once at start (documented variable by
 * variable in README.md). RGW credentials come only from here, never from a request.
 */
export const functionEnvSchema = rgwEnvSchema.safeExtend({
  /** Bearer token every caller must send (mount it from a Secret). */
  CONFIGURE_NOTIFY_TOKEN: z
    .string({ error: 'is required: the bearer token callers must send (mount it from a Secret)' })
    .min(16, 'must be at least 16 characters (e.g. openssl rand -hex 32)'),
  /** The function changes infrastructure: credentials for RGW must be explicit, not whatever the SDK finds. */
  AWS_ACCESS_KEY_ID: z.string({ error: 'is required: the RGW access key (from a Secret)' }).min(1),
  AWS_SECRET_ACCESS_KEY: z.string({ error: 'is required: the RGW secret key (from a Secret)' }).min(1),
  /** Source attribute of reply CloudEvents. */
  EVENT_SOURCE: z.string().default('/bucket-ml/configure-notify'),
  LOG_LEVEL: env.logLevel(),
});
export type FunctionConfig = z.output<typeof functionEnvSchema>;

export function loadFunctionConfig(environment: NodeJS.ProcessEnv = process.env): FunctionConfig {
  return loadConfig(functionEnvSchema, environment);
}
