// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
import { z } from 'zod';

/** Thrown at start when the environment does not satisfy a function's schema; lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Parses the environment with a function's schema (keys are variable names). */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  // Empty strings are how Kubernetes renders an unset optional value from a ConfigMap: treat as unset.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  }
  return parsed.data;
}

/** Environment-variable friendly field types. */
export const env = {
  /** LOG_LEVEL of every function: what the lifecycle builds the function's logger with. */
  logLevel: () => z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  int: (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max),
  number: () => z.coerce.number().refine(Number.isFinite, 'must be a finite number'),
  bool: () =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  list: () =>
    z.string().transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  url: (schemes: readonly string[]) =>
    z.string().refine((v) => {
      try {
        return schemes.includes(new URL(v).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    }, `must be a URL with scheme ${schemes.join(', ')}`),
};
