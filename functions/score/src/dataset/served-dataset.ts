import type { LoadedModel } from '../artifact/load.js';
import { formatLocation, parseLocation, readLocation, type LocationDeps } from '../vendor/core/index.js';
import { numericColumns, parseNumber, parseTable, TableError, type Table } from './table.js';

/**
 * The dataset behind the classic operations (row n, both predictions for row n, accuracy), read once
 * at start: the article's API re-read it on every request, which was most of its one-second latency.
 * Each model's input matrix is extracted up front, so a bad dataset fails the start, not a request.
 */
export interface ServedDataset {
  source: string;
  table: Table;
  labelColumn: string;
  /** The label of each row, when the dataset has the label column. */
  labels: (number | undefined)[] | undefined;
  /** Raw features of every row in each model's feature order, by model name. */
  inputs: Map<string, Float64Array>;
}

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

export async function loadDataset(url: string, labelColumn: string, models: readonly LoadedModel[], deps: LocationDeps = {}): Promise<ServedDataset> {
  const loc = parseLocation(url);
  const source = formatLocation(loc);
  try {
    const table = parseTable(new TextDecoder().decode(await readLocation(loc, deps)));
    const col = table.columns.indexOf(labelColumn);
    const labels = col < 0 ? undefined : table.rows.map((row) => parseNumber(row[col]));
    const inputs = new Map(models.map((m) => [m.model.name, numericColumns(table, m.model.featureNames)]));
    return { source, table, labelColumn, labels, inputs };
  } catch (error) {
    if (error instanceof TableError) throw new DatasetError(`DATASET_URL ${source}: ${error.message}`);
    throw error;
  }
}
