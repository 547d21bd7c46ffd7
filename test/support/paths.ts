import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's location (test/support/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Models, photos and datasets live outside the repository (data is never committed). */
export const sharedDir = process.env.BUCKET_ML_SHARED ?? path.resolve(repoRoot, '../shared');
export const sharedPath = (...parts: string[]): string => path.join(sharedDir, ...parts);

export const samplesDir = sharedPath('reference/ceph-rgw-16.2/samples');
export const imagesDir = sharedPath('images');
export const modelsDir = sharedPath('models');
/** classify's example event files. */
export const eventsDir = path.join(repoRoot, 'functions/classify/events');
