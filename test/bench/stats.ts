export interface Stats {
  n: number;
  min: number;
  median: number;
  p95: number;
  max: number;
}

export function stats(values: number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number): number => v[Math.min(v.length - 1, Math.floor(q * v.length))] ?? NaN;
  return { n: v.length, min: v[0] ?? NaN, median: at(0.5), p95: at(0.95), max: v.at(-1) ?? NaN };
}
