// Issue 10's targets (one instance, 2 cores), printed next to what the benchmark measures. Numbers only:
// a benchmark reports, it does not pass or fail.
export interface Target {
  /** at most (lower is better) or at least (higher is better) */
  bound: 'max' | 'min';
  limit: number;
  unit: string;
}

export const TARGETS = {
  throughput8: { bound: 'min', limit: 60, unit: 'img/s' },
  warmP50: { bound: 'max', limit: 25, unit: 'ms' },
  coldStartMs: { bound: 'max', limit: 400, unit: 'ms' },
  rssAfterStartMb: { bound: 'max', limit: 150, unit: 'MB' },
  rssPeakMb: { bound: 'max', limit: 200, unit: 'MB' },
  installMb: { bound: 'max', limit: 150, unit: 'MB' },
  scoreWholeSetMs: { bound: 'max', limit: 15, unit: 'ms' },
  scoreOneRowMs: { bound: 'max', limit: 0.5, unit: 'ms' },
} satisfies Record<string, Target>;

/** "≤ 25 ms", "≥ 60 img/s" */
export const describeTarget = (t: Target): string => `${t.bound === 'max' ? '≤' : '≥'} ${t.limit} ${t.unit}`;

/** ✓ when met, ✗ when not, '-' when nothing was measured. */
export function mark(t: Target, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return (t.bound === 'max' ? value <= t.limit : value >= t.limit) ? '✓' : '✗';
}
