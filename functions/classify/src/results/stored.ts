import type { z } from 'zod';
import { FunctionError } from '../vendor/core/index.js';

/**
 * A document read back from the bucket (someone else may have written that key), returned exactly as
 * stored (fields a newer classify added pass through), so a duplicate delivery re-emits the very data
 * of the first reply. Anything else at that key is a permanent failure: retrying cannot fix it,
 * deleting it lets the image be classified again.
 */
export function parseStored<T>(schema: z.ZodType, text: string, where: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problem = json === undefined ? 'not JSON' : parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ');
    throw new FunctionError(422, 'result_unreadable', `${where} holds no ${what} (${problem}); delete it to classify the image again`);
  }
  return json as T;
}
