import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildArtifact } from '../src/artifact/build.js';
import { sklearnArtifactInput, sklearnExportSchema, sklearnKind, sklearnPredictionsSchema, type SklearnPredictions } from '../src/artifact/sklearn.js';
import type { Artifact } from '../src/artifact/schema.js';
import { numericColumns, parseTable, type Table } from '../src/dataset/table.js';

/**
 * Paths and reference data for the score tests. The data and scikit-learn's outputs live outside the
 * repository (never committed): ../shared beside the repository, or BUCKET_ML_SHARED.
 */
export const functionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(functionDir, '../..');
export const shared = process.env['BUCKET_ML_SHARED'] ?? path.resolve(repoRoot, '../shared');
export const dataDir = path.join(shared, 'datasets/eeg-letters');
export const referenceDir = path.join(shared, 'reference/eeg-letters');
export const trainCsv = path.join(dataDir, 'train.csv');
export const testJson = path.join(dataDir, 'test.json');
export const testCsv = path.join(dataDir, 'test.csv');

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

export const sklearnExport = (kind: 'lda' | 'mlp') => sklearnExportSchema.parse(readJson(path.join(referenceDir, `sklearn-${kind}.json`)));

let predictions: SklearnPredictions | undefined;
export function sklearnPredictions(): SklearnPredictions {
  return (predictions ??= sklearnPredictionsSchema.parse(readJson(path.join(referenceDir, 'sklearn-predictions.json'))));
}

let testTable: Table | undefined;
export function testData(): Table {
  return (testTable ??= parseTable(readFileSync(testJson, 'utf8')));
}

/** Raw (unnormalised) test rows in the order of sklearn-predictions.json `keys`, in the given feature order. */
export function rawTestRows(featureNames: readonly string[]): Float64Array {
  const table = testData();
  const x = numericColumns(table, featureNames);
  const f = featureNames.length;
  const byId = new Map(table.ids.map((id, i) => [id, i]));
  const keys = sklearnPredictions().keys;
  const out = new Float64Array(keys.length * f);
  keys.forEach((key, r) => {
    const i = byId.get(key);
    if (i === undefined) throw new Error(`test row ${key} missing`);
    out.set(x.subarray(i * f, i * f + f), r * f);
  });
  return out;
}

/** scikit-learn's export turned into an artifact in-process, with scikit-learn's own reference rows. */
export function importedArtifact(kind: 'lda' | 'mlp'): Artifact {
  const exported = sklearnExport(kind);
  const base = sklearnArtifactInput(exported);
  const preds = sklearnPredictions();
  const x = rawTestRows(base.featureNames);
  const f = base.featureNames.length;
  const mine = preds[sklearnKind(exported)];
  const rows = [0, 650, 1299].map((p) => ({
    id: preds.keys[p]!,
    features: Array.from(x.subarray(p * f, p * f + f)),
    expected: { class: mine.pred_norm[p]!, proba: mine.proba_norm[p]! },
  }));
  return buildArtifact({ ...base, name: kind, reference: { source: 'sklearn', tolerance: 1e-6, rows } });
}
