/**
 * The fast path of the protocols' numeric inputs. A request's rows are most of its cost when it is
 * large, so the common shape (plain finite numbers, flat row-major or one array per row) goes straight
 * into the row-major Float64Array the models take, with no intermediate arrays and no per-element
 * schema walk. Anything else is `undefined` here, and the caller takes its checked path, which names
 * the problem: error answers do not depend on this module.
 */

/** Plain JSON object (not an array, not null). */
export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Undefined, or an array of strings. */
export const isStringArrayOrAbsent = (v: unknown): boolean => v === undefined || (Array.isArray(v) && v.every((s) => typeof s === 'string'));

/** A tensor shape of one or two non-negative safe integers. */
export const isShape = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length >= 1 && v.length <= 2 && v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);

/**
 * `rows × width` finite numbers from `data`: flat (rows·width numbers), or, when `nested` is allowed,
 * `rows` arrays of `width` numbers. `round` maps each value (FP32 data is read at single precision).
 */
export function denseNumbers(data: readonly unknown[], rows: number, width: number, nested: boolean, round?: (v: number) => number): Float64Array | undefined {
  const out = new Float64Array(rows * width);
  if (data.length === rows * width && !Array.isArray(data[0])) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
      out[i] = round ? round(v) : v;
    }
    return out;
  }
  if (!nested || data.length !== rows) return undefined;
  for (let r = 0; r < rows; r++) {
    const row = data[r];
    if (!Array.isArray(row) || row.length !== width) return undefined;
    const p = r * width;
    for (let c = 0; c < width; c++) {
      const v: unknown = row[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
      out[p + c] = round ? round(v) : v;
    }
  }
  return out;
}
