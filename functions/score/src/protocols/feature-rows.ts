import { normaliseName, parseNumber } from '../dataset/table.js';
import type { Served } from '../served.js';
import { badRequest, jsonResponse, type HttpResponse } from '../vendor/core/index.js';
import { matrixFromNamedRows } from './features.js';
import { accuracy, answer, predictAll } from './predictions.js';

/**
 * Rows keyed by feature name, the shape of the article's test.json: one row object, an array of them,
 * or an object of row objects keyed by id (test.json itself). Every served model (or ?model=NAME)
 * answers for every row; when the rows carry the label column (`# Letter`), the answer includes each
 * model's accuracy on them, so POSTing test.json is the /score of any data.
 */
type Row = Record<string, unknown>;

const isRow = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A row's id: its `Line` column when it has one (the article's row id), else its position. */
function rowId(row: Row, index: number): string {
  const key = Object.keys(row).find((k) => normaliseName(k) === 'Line');
  const line = key === undefined ? undefined : row[key];
  return typeof line === 'string' || typeof line === 'number' ? String(line).trim() : String(index);
}

/** The rows and their ids, or undefined when the body is not in this form. */
export function namedRows(body: unknown): { rows: Row[]; ids: string[] } | undefined {
  if (Array.isArray(body)) {
    if (!body.every(isRow)) return undefined;
    return { rows: body, ids: body.map(rowId) };
  }
  if (!isRow(body)) return undefined;
  const values = Object.values(body);
  if (values.length > 0 && values.every(isRow)) return { rows: values, ids: Object.keys(body) };
  if (values.every((v) => !isRow(v) && !Array.isArray(v))) return { rows: [body], ids: [rowId(body, 0)] };
  return undefined;
}

export function rowsPredict(body: unknown, served: Served, modelName: string | undefined): HttpResponse {
  const parsed = namedRows(body);
  if (!parsed) {
    throw badRequest(
      'unrecognised_request',
      'expected rows keyed by feature name (an object, an array of objects, or objects keyed by row id), a Seldon {"data": ...} or an inference {"inputs": [...]} request',
    );
  }
  const { rows, ids } = parsed;
  served.checkRows(rows.length);
  const models = served.some(modelName);
  const labelName = served.dataset?.labelColumn ?? LABEL_COLUMN_DEFAULT;
  const labels = rows.map((row) => {
    const key = Object.keys(row).find((k) => normaliseName(k) === labelName);
    return key === undefined ? undefined : parseNumber(row[key]);
  });
  const predictions = predictAll(models, (m) => matrixFromNamedRows(rows, ids, m.model), rows.length);
  const labelled = labels.some((l) => l !== undefined);
  return jsonResponse(200, {
    models: models.map((m) => m.model.name),
    rows: ids.map((id, r) => ({
      id,
      ...(labels[r] === undefined ? {} : { label: labels[r] }),
      predictions: Object.fromEntries(models.map((m) => [m.model.name, answer(predictions.get(m.model.name)![r]!)])),
    })),
    ...(labelled ? { accuracy: Object.fromEntries(models.map((m) => [m.model.name, accuracy(predictions.get(m.model.name)!, labels)])) } : {}),
  });
}

export const LABEL_COLUMN_DEFAULT = '# Letter';
