import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place (packages/local/src/run/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Models and photos live outside the repository: `../shared` beside it, or BUCKET_ML_SHARED. */
export function sharedDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BUCKET_ML_SHARED ? path.resolve(env.BUCKET_ML_SHARED) : path.resolve(repoRoot, '../shared');
}

export const functionDir = (name: string): string => path.join(repoRoot, 'functions', name);
