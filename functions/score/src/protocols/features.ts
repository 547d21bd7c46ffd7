import { normaliseName, parseNumber } from '../dataset/table.js';
import type { TabularModel } from '../models/model.js';
import { badRequest } from '../vendor/core/index.js';

/**
 * Turning request rows into the model's input matrix. Every protocol ends here, so the rules are the
 * same everywhere: numbers or numeric strings (test.json sends strings), columns matched by trimmed
 * name in any order (the article's CSV headers carry a leading space), extra columns ignored (test.json
 * rows carry `Line` and `# Letter`), every feature required.
 */
const SHOW = 5;

const list = (names: readonly string[]): string =>
  names.slice(0, SHOW).map((n) => JSON.stringify(n)).join(', ') + (names.length > SHOW ? ` and ${names.length - SHOW} more` : '');

/** Rows given as objects keyed by feature name. `ids` name the rows in errors. */
export function matrixFromNamedRows(rows: readonly Record<string, unknown>[], ids: readonly string[], model: TabularModel): Float64Array {
  const features = model.featureNames;
  const f = features.length;
  const out = new Float64Array(rows.length * f);
  rows.forEach((row, r) => {
    // Fast path: every feature present under its exact name (test.json, trimmed CSV). Otherwise match
    // the trimmed names, which also finds what is missing.
    let value = (name: string): unknown => row[name];
    if (!features.every((name) => Object.hasOwn(row, name))) {
      const byName = new Map<string, unknown>();
      for (const [k, v] of Object.entries(row)) byName.set(normaliseName(k), v);
      const missing = features.filter((name) => !byName.has(name));
      if (missing.length) {
        throw badRequest('missing_features', `row ${ids[r]} lacks ${missing.length} of the ${f} features model "${model.name}" needs: ${list(missing)}`, {
          row: ids[r],
          missing: missing.slice(0, 20),
        });
      }
      value = (name) => byName.get(name);
    }
    for (let c = 0; c < f; c++) {
      const raw = value(features[c]!);
      const v = parseNumber(raw);
      if (v === undefined) throw notNumber(ids[r]!, features[c]!, raw);
      out[r * f + c] = v;
    }
  });
  return out;
}

/** Columns named by `names` (any order, extras ignored), values row by row. */
export function matrixFromNamedColumns(names: readonly string[], rows: readonly (readonly unknown[])[], model: TabularModel): Float64Array {
  const trimmed = names.map(normaliseName);
  const dupes = trimmed.filter((n, i) => trimmed.indexOf(n) !== i);
  if (dupes.length) throw badRequest('duplicate_names', `column names repeat: ${list([...new Set(dupes)])}`);
  const index = model.featureNames.map((name) => trimmed.indexOf(name));
  const missing = model.featureNames.filter((_, i) => index[i]! < 0);
  if (missing.length) {
    throw badRequest('missing_features', `names lack ${missing.length} of the ${model.featureNames.length} features model "${model.name}" needs: ${list(missing)}`, {
      missing: missing.slice(0, 20),
    });
  }
  const f = index.length;
  const out = new Float64Array(rows.length * f);
  rows.forEach((row, r) => {
    if (row.length !== names.length) throw badRequest('ragged_rows', `row ${r} has ${row.length} values for ${names.length} names`);
    index.forEach((col, c) => {
      const v = parseNumber(row[col]);
      if (v === undefined) throw notNumber(String(r), model.featureNames[c]!, row[col]);
      out[r * f + c] = v;
    });
  });
  return out;
}

/** Rows given positionally, in the model's feature order. */
export function matrixFromPositional(rows: readonly (readonly unknown[])[], model: TabularModel): Float64Array {
  const f = model.featureNames.length;
  const out = new Float64Array(rows.length * f);
  rows.forEach((row, r) => {
    if (row.length !== f) {
      throw badRequest('wrong_width', `row ${r} has ${row.length} values; model "${model.name}" takes ${f} features (send names to match columns by name)`);
    }
    row.forEach((value, c) => {
      const v = parseNumber(value);
      if (v === undefined) throw notNumber(String(r), model.featureNames[c]!, value);
      out[r * f + c] = v;
    });
  });
  return out;
}

function notNumber(row: string, feature: string, value: unknown): Error {
  const shown = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 40) ?? String(value);
  return badRequest('not_a_number', `row ${row}, feature ${JSON.stringify(feature)}: ${shown} is not a finite number`, { row, feature });
}
