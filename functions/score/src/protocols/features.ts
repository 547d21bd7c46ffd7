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
  // Plain loops, no per-row closures or arrays: this runs rows × features times per request.
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const p = r * f;
    // Fast path: every feature present under its exact name (test.json, trimmed CSV). Otherwise match
    // the trimmed names, which also finds what is missing.
    let c = 0;
    for (; c < f; c++) {
      const v = parseNumber(row[features[c]!]);
      if (v === undefined) break;
      out[p + c] = v;
    }
    if (c === f) continue;
    // A value that is not a number, or a feature not under its exact name: decided as before, the
    // presence of every exact name first.
    if (!features.every((name) => Object.hasOwn(row, name))) fillByTrimmedName(row, ids[r]!, model, out, p);
    else throw notNumber(ids[r]!, features[c]!, row[features[c]!]);
  }
  return out;
}

/** One row whose keys are not all exact feature names: matched by trimmed name, or what is missing reported. */
function fillByTrimmedName(row: Record<string, unknown>, id: string, model: TabularModel, out: Float64Array, p: number): void {
  const features = model.featureNames;
  const f = features.length;
  const byName = new Map<string, unknown>();
  for (const [k, v] of Object.entries(row)) byName.set(normaliseName(k), v);
  const missing = features.filter((name) => !byName.has(name));
  if (missing.length) {
    throw badRequest('missing_features', `row ${id} lacks ${missing.length} of the ${f} features model "${model.name}" needs: ${list(missing)}`, {
      row: id,
      missing: missing.slice(0, 20),
    });
  }
  for (let c = 0; c < f; c++) {
    const raw = byName.get(features[c]!);
    const v = parseNumber(raw);
    if (v === undefined) throw notNumber(id, features[c]!, raw);
    out[p + c] = v;
  }
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
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== names.length) throw badRequest('ragged_rows', `row ${r} has ${row.length} values for ${names.length} names`);
    for (let c = 0; c < f; c++) {
      const value = row[index[c]!];
      const v = parseNumber(value);
      if (v === undefined) throw notNumber(String(r), model.featureNames[c]!, value);
      out[r * f + c] = v;
    }
  }
  return out;
}

/** Rows given positionally, in the model's feature order. */
export function matrixFromPositional(rows: readonly (readonly unknown[])[], model: TabularModel): Float64Array {
  const f = model.featureNames.length;
  const out = new Float64Array(rows.length * f);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== f) {
      throw badRequest('wrong_width', `row ${r} has ${row.length} values; model "${model.name}" takes ${f} features (send names to match columns by name)`);
    }
    for (let c = 0; c < f; c++) {
      const value = row[c];
      const v = parseNumber(value);
      if (v === undefined) throw notNumber(String(r), model.featureNames[c]!, value);
      out[r * f + c] = v;
    }
  }
  return out;
}

function notNumber(row: string, feature: string, value: unknown): Error {
  const shown = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 40) ?? String(value);
  return badRequest('not_a_number', `row ${row}, feature ${JSON.stringify(feature)}: ${shown} is not a finite number`, { row, feature });
}
