// What /proc says about a process: memory (the whole process, worker threads included) and CPU time.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface Memory {
  /** resident now, MB */
  rssMb: number;
  /** the highest resident size so far (VmHWM), MB */
  peakMb: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Resets the process's VmHWM to its current RSS (proc(5) clear_refs "5"), so a later peak is one of what came after; false where the kernel refuses. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** User + system CPU time the process (all its threads) has used, in ms; NaN once it is gone. */
export function cpuMs(pid: number): number {
  try {
    // fields after the command name, which is in parentheses and may contain spaces
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** CPU ms of several processes together. */
export const cpuMsOf = (pids: number[]): number => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
