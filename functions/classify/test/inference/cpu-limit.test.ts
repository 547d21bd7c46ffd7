// CPU limit from cgroup file contents as Kubernetes writes them for `limits.cpu` (no real cgroup needed).
import { describe, expect, it } from 'vitest';
import { cpuLimit, parseCfsQuota, parseCpuMax, wholeCores, type FileReader } from '../../src/inference/cpu-limit.ts';

const files =
  (contents: Record<string, string>): FileReader =>
  (path) =>
    contents[path];

describe('parseCpuMax (cgroup v2 cpu.max)', () => {
  it('reads "quota period" as cores', () => {
    expect(parseCpuMax('200000 100000\n')).toBe(2);
    expect(parseCpuMax('150000 100000\n')).toBe(1.5);
    expect(parseCpuMax('50000 100000')).toBe(0.5);
    expect(parseCpuMax('100000 50000')).toBe(2);
  });
  it('"max" is no limit; garbage is no limit rather than a crash', () => {
    expect(parseCpuMax('max 100000\n')).toBeUndefined();
    expect(parseCpuMax('')).toBeUndefined();
    expect(parseCpuMax('lots 100000')).toBeUndefined();
    expect(parseCpuMax('0 100000')).toBeUndefined();
  });
});

describe('parseCfsQuota (cgroup v1)', () => {
  it('reads quota/period as cores; -1 is no limit', () => {
    expect(parseCfsQuota('200000\n', '100000\n')).toBe(2);
    expect(parseCfsQuota('25000', '100000')).toBe(0.25);
    expect(parseCfsQuota('-1\n', '100000\n')).toBeUndefined();
  });
});

describe('cpuLimit', () => {
  it('takes a cgroup v2 quota below the cores', () => {
    expect(cpuLimit(files({ '/sys/fs/cgroup/cpu.max': '200000 100000\n' }), 64)).toEqual({ cores: 2, source: 'cgroup-v2' });
  });
  it('an unlimited cgroup v2 falls back to the cores the process may run on', () => {
    expect(cpuLimit(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }), 8)).toEqual({ cores: 8, source: 'cores' });
  });
  it('a quota above the cores (or a cpuset narrower than it) is bounded by the cores', () => {
    expect(cpuLimit(files({ '/sys/fs/cgroup/cpu.max': '800000 100000\n' }), 2)).toEqual({ cores: 2, source: 'cores' });
  });
  it('reads cgroup v1 from either mount name', () => {
    const v1 = { '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '150000\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' };
    expect(cpuLimit(files(v1), 16)).toEqual({ cores: 1.5, source: 'cgroup-v1' });
    const combined = { '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '400000', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000' };
    expect(cpuLimit(files(combined), 16)).toEqual({ cores: 4, source: 'cgroup-v1' });
    expect(cpuLimit(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }), 4)).toEqual({ cores: 4, source: 'cores' });
  });
  it('without cgroup files (not Linux) it is the cores', () => {
    expect(cpuLimit(files({}), 3)).toEqual({ cores: 3, source: 'cores' });
  });
  it('answers for this machine without throwing', () => {
    const limit = cpuLimit();
    expect(limit.cores).toBeGreaterThan(0);
  });
});

describe('wholeCores', () => {
  it('rounds down, at least 1', () => {
    expect(wholeCores({ cores: 2, source: 'cgroup-v2' })).toBe(2);
    expect(wholeCores({ cores: 1.5, source: 'cgroup-v2' })).toBe(1);
    expect(wholeCores({ cores: 0.25, source: 'cgroup-v1' })).toBe(1);
  });
});
