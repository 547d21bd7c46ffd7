// A plain-text table: first column left-aligned, the others right-aligned, padded to the widest cell.
export function printTable(header: string[], rows: string[][], indent = '  '): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const format = (cells: string[]): string =>
    indent + cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  console.log(format(header));
  console.log(indent + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(format(r));
}

/** A number with the given decimals, or '-' when there is none. */
export const num = (v: number | undefined, decimals = 0): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(decimals));
