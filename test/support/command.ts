import { execFile } from 'node:child_process';

export interface CommandResult {
  /** Exit status; null when the command was killed by a signal or did not start. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and reports how it ended, failing or not (tests assert on the status). */
export function runCommand(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}
