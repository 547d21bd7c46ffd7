/**
 * A parsed data file: column names (trimmed: the article's CSV headers carry a leading space that
 * test.json does not) and the rows' raw cells, still text. Numbers are parsed where a column is used,
 * so an error can name the row and the column.
 */
export interface Table {
  columns: string[];
  /** Stable row ids: the `Line` column when present, else the test.json key, else the 0-based index. */
  ids: string[];
  rows: string[][];
}

export class TableError extends Error {
  override readonly name = 'TableError';
}

export function normaliseName(name: string): string {
  return name.trim();
}

/** A strict number: a finite JSON number, or a string that is entirely one (whitespace trimmed). */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  // Number() skips the same surrounding whitespace trim() does, but reads blank text as 0.
  const n = Number(value);
  if (!Number.isFinite(n) || (n === 0 && value.trim() === '')) return undefined;
  return n;
}

/** Minimal RFC 4180 CSV: quoted fields with doubled quotes, CRLF or LF, no trailing empty line. */
export function parseCsv(text: string): Table {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else field += ch;
  }
  if (quoted) throw new TableError('CSV ends inside a quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const header = records.shift();
  if (!header) throw new TableError('CSV is empty');
  const columns = header.map(normaliseName);
  records.forEach((r, i) => {
    if (r.length !== columns.length) throw new TableError(`CSV row ${i + 1} has ${r.length} fields, the header has ${columns.length}`);
  });
  const line = columns.indexOf('Line');
  return { columns, ids: records.map((r, i) => (line >= 0 ? r[line]!.trim() : String(i))), rows: records };
}

/**
 * The article's test.json: one object keyed by row id, each value an object of column → value
 * (every value a string there, numbers accepted too). Column order follows the first row.
 */
export function tableFromRecords(records: Record<string, Record<string, unknown>>): Table {
  const ids = Object.keys(records);
  if (ids.length === 0) throw new TableError('no rows');
  const keys = Object.keys(records[ids[0]!]!);
  const columns = keys.map(normaliseName);
  const cell = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  const rows = ids.map((id) => {
    const rec = records[id]!;
    const own = Object.keys(rec);
    // Fast path: the same keys in the same order as the first row (test.json); else match by name.
    if (own.length === keys.length && own.every((k, i) => k === keys[i])) return own.map((k) => cell(rec[k]));
    const byName = new Map(Object.entries(rec).map(([k, v]) => [normaliseName(k), v]));
    return columns.map((c) => {
      const v = byName.get(c);
      if (v === undefined) throw new TableError(`row ${id} has no column ${JSON.stringify(c)}`);
      return cell(v);
    });
  });
  return { columns, ids, rows };
}

/** Parses a data file by content: a JSON object of row objects (test.json form) or CSV. */
export function parseTable(text: string): Table {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new TableError(`not valid JSON: ${(error as Error).message}`);
    }
    if (!isRecordOfRecords(parsed)) throw new TableError('JSON data must be an object of row objects, like test.json');
    return tableFromRecords(parsed);
  }
  return parseCsv(text);
}

function isRecordOfRecords(v: unknown): v is Record<string, Record<string, unknown>> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((r) => typeof r === 'object' && r !== null && !Array.isArray(r));
}

/** The named columns as a rows × names row-major matrix; throws TableError naming the first bad cell. */
export function numericColumns(table: Table, names: readonly string[]): Float64Array {
  const index = names.map((name) => {
    const i = table.columns.indexOf(name);
    if (i < 0) throw new TableError(`no column ${JSON.stringify(name)}`);
    return i;
  });
  const out = new Float64Array(table.rows.length * names.length);
  table.rows.forEach((row, r) => {
    index.forEach((col, f) => {
      const v = parseNumber(row[col]);
      if (v === undefined) throw new TableError(`row ${table.ids[r]}: column ${JSON.stringify(names[f])} is not a number: ${JSON.stringify(row[col])}`);
      out[r * names.length + f] = v;
    });
  });
  return out;
}
