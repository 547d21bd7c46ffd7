import { createHash } from 'node:crypto';
import { numericColumns, TableError, type Table } from '../dataset/table.js';

/** A training table split into raw features and class indices. */
export interface LabelledData {
  featureNames: string[];
  /** rows × features, raw (not preprocessed), row-major */
  x: Float64Array;
  /** class index of each row into `classes` */
  y: Int32Array;
  /** sorted distinct label values (scikit-learn's classes_) */
  classes: number[];
  ids: string[];
  rows: number;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * @param labelColumn the integer class label column
 * @param dropColumns columns that are neither features nor the label (row ids); absent ones are ignored
 */
export function labelledData(table: Table, labelColumn: string, dropColumns: readonly string[]): LabelledData {
  if (!table.columns.includes(labelColumn)) throw new TableError(`no label column ${JSON.stringify(labelColumn)} (columns: ${table.columns.slice(0, 5).join(', ')}, ...)`);
  const featureNames = table.columns.filter((c) => c !== labelColumn && !dropColumns.includes(c));
  if (featureNames.length === 0) throw new TableError('no feature columns left');
  const labels = numericColumns(table, [labelColumn]);
  labels.forEach((v, i) => {
    if (!Number.isInteger(v)) throw new TableError(`row ${table.ids[i]}: label ${v} is not an integer class`);
  });
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  const index = new Map(classes.map((c, i) => [c, i]));
  return {
    featureNames,
    x: numericColumns(table, featureNames),
    y: Int32Array.from(labels, (v) => index.get(v)!),
    classes,
    ids: table.ids,
    rows: table.rows.length,
  };
}

/** Class names: explicit list, "letters" (0→A, 1→B, ...), or the label values themselves. */
export function classNamesFor(classes: readonly number[], spec: string): string[] {
  if (spec === 'values') return classes.map(String);
  if (spec === 'letters') {
    if (classes.some((c, i) => c !== i) || classes.length > 26) throw new RangeError('"letters" needs classes 0..n-1 with n <= 26');
    return classes.map((c) => String.fromCharCode(65 + c));
  }
  const names = spec.split(',').map((s) => s.trim());
  if (names.length !== classes.length || names.some((n) => n === '')) {
    throw new RangeError(`--class-names lists ${names.length} names for ${classes.length} classes`);
  }
  return names;
}

/** The default naming: the article's "# Letter" label holds letters 0→A ... 25→Z. */
export function defaultClassNames(labelColumn: string, classes: readonly number[]): string {
  return /letter/i.test(labelColumn) && classes.length <= 26 && classes.every((c, i) => c === i) ? 'letters' : 'values';
}

/** A few rows spread over the data (first, quartiles, last) to record as reference rows. */
export function spreadRows(rows: number, count: number): number[] {
  if (rows <= count) return Array.from({ length: rows }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.round((i * (rows - 1)) / (count - 1)));
}
