import type { ServedDataset } from '../dataset/served-dataset.js';
import type { Served } from '../served.js';
import { FunctionError, jsonResponse, type HttpResponse } from '../vendor/core/index.js';
import { accuracy, answer } from './predictions.js';

/**
 * The article's three routes as query operations on `/` against DATASET_URL: `?line=N` (row N),
 * `?prediction=N` (every model's class for row N) and `?score` (every model's accuracy on the whole
 * dataset). Unlike the article's API, rows go through each model's training preprocessing.
 */
function dataset(served: Served): ServedDataset {
  if (!served.dataset) throw new FunctionError(400, 'no_dataset', 'this operation needs a dataset, and none is configured (DATASET_URL)');
  return served.dataset;
}

function rowIndex(ds: ServedDataset, value: string, op: string): number {
  const n = Number(value);
  const rows = ds.table.rows.length;
  if (value.trim() === '' || !Number.isInteger(n)) throw new FunctionError(400, 'bad_row', `?${op}= takes a row number 0..${rows - 1}, got ${JSON.stringify(value)}`);
  if (n < 0 || n >= rows) throw new FunctionError(400, 'row_out_of_range', `row ${n} does not exist: the dataset has rows 0..${rows - 1}`);
  return n;
}

export function line(served: Served, value: string): HttpResponse {
  const ds = dataset(served);
  const r = rowIndex(ds, value, 'line');
  const row = ds.table.rows[r]!;
  const values = Object.fromEntries(ds.table.columns.map((c, i) => [c, Number.isFinite(Number(row[i])) && row[i]!.trim() !== '' ? Number(row[i]) : row[i]]));
  return jsonResponse(200, { line: r, id: ds.table.ids[r], values });
}

export function prediction(served: Served, value: string, modelName: string | undefined): HttpResponse {
  const ds = dataset(served);
  const r = rowIndex(ds, value, 'prediction');
  const models = served.some(modelName);
  const predictions = Object.fromEntries(
    models.map((m) => {
      const f = m.model.featureNames.length;
      const x = ds.inputs.get(m.model.name)!.subarray(r * f, r * f + f);
      return [m.model.name, answer(m.model.predict(x, 1)[0]!)];
    }),
  );
  const label = ds.labels?.[r];
  return jsonResponse(200, { line: r, id: ds.table.ids[r], ...(label === undefined ? {} : { label }), predictions });
}

export function score(served: Served, modelName: string | undefined): HttpResponse {
  const ds = dataset(served);
  if (!ds.labels) throw new FunctionError(400, 'no_labels', `the dataset has no label column "${ds.labelColumn}" (DATASET_LABEL_COLUMN) to score against`);
  const labels = ds.labels;
  const rows = ds.table.rows.length;
  // The dataset and models never change while the process runs, so each accuracy is computed once.
  const cache = (served.scoreCache ??= {});
  const models = served.some(modelName);
  for (const m of models) {
    cache[m.model.name] ??= accuracy(m.model.predict(ds.inputs.get(m.model.name)!, rows), labels) ?? NaN;
  }
  return jsonResponse(200, {
    rows,
    labelled: labels.filter((l) => l !== undefined).length,
    accuracy: Object.fromEntries(models.map((m) => [m.model.name, cache[m.model.name]])),
  });
}
