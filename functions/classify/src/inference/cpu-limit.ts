import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * The CPU this instance may use. A pod's `limits.cpu` reaches the container as a CFS quota in its
 * cgroup; Node's own core count (os.availableParallelism) sees the node's cores or the cpuset, never
 * the quota, so a 2-CPU pod on a 64-core node would otherwise start 64 of everything.
 */
export interface CpuLimit {
  /** Cores' worth of CPU time, possibly fractional (a 1500m limit is 1.5). */
  cores: number;
  /** Where the figure came from. */
  source: 'cgroup-v2' | 'cgroup-v1' | 'cores';
}

/** cgroup v2 `cpu.max`: "<quota> <period>" in µs, or "max <period>" when unlimited. undefined: no limit. */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period = '100000'] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return undefined;
  return ratio(quota, period);
}

/** cgroup v1 `cpu.cfs_quota_us` (-1 when unlimited) and `cpu.cfs_period_us`. undefined: no limit. */
export function parseCfsQuota(quotaText: string, periodText: string): number | undefined {
  const quota = quotaText.trim();
  if (quota === '-1') return undefined;
  return ratio(quota, periodText.trim());
}

function ratio(quota: string, period: string): number | undefined {
  if (!/^\d+$/.test(quota) || !/^\d+$/.test(period)) return undefined;
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 ? q / p : undefined;
}

/** Reads one cgroup file; undefined when absent (not Linux, other cgroup version, no controller). */
export type FileReader = (path: string) => string | undefined;

const readIfPresent: FileReader = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

// With a cgroup namespace (the default for containers on cgroup v2, and how runtimes mount v1) the
// container's own files are at the root of the mount.
const V2_CPU_MAX = '/sys/fs/cgroup/cpu.max';
const V1_DIRS = ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct'];

/** The quota if one is set, never more than the cores the process can be scheduled on. */
export function cpuLimit(read: FileReader = readIfPresent, cores: number = availableParallelism()): CpuLimit {
  const v2 = read(V2_CPU_MAX);
  if (v2 !== undefined) return bounded(parseCpuMax(v2), 'cgroup-v2', cores);
  for (const dir of V1_DIRS) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    const period = read(`${dir}/cpu.cfs_period_us`);
    if (quota !== undefined && period !== undefined) return bounded(parseCfsQuota(quota, period), 'cgroup-v1', cores);
  }
  return { cores, source: 'cores' };
}

function bounded(quota: number | undefined, source: CpuLimit['source'], cores: number): CpuLimit {
  return quota === undefined || quota >= cores ? { cores, source: 'cores' } : { cores: quota, source };
}

/** Whole cores for sizing thread pools: rounded down (a fraction cannot run a thread flat out), at least 1. */
export function wholeCores(limit: CpuLimit): number {
  return Math.max(1, Math.floor(limit.cores));
}
