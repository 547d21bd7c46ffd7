/**
 * classify as a child process, started the way its container starts it (its `npm start` command:
 * the core server entry on build/index.js, configured by environment variables), watched through its JSON log lines and its
 * readiness probe, and stopped the way Knative stops it (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmStartArguments } from './npm-start.js';
import { functionDir } from './paths.js';

export interface LogLine {
  level?: string;
  msg?: string;
  [field: string]: unknown;
}

export interface FunctionProcess {
  readonly pid: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves once the readiness probe answers 200; rejects if the process exits first. */
  readonly ready: Promise<void>;
  /** Resolves when the process has exited: its exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines it printed (for error messages). */
  tail(lines?: number): string;
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartFunctionOptions {
  name: string;
  port: number;
  env: NodeJS.ProcessEnv;
  /** Every line the process prints (parsed when it is JSON). */
  onLine?: (line: string, parsed: LogLine | undefined, stream: 'stdout' | 'stderr') => void;
}

const guard = path.join(path.dirname(fileURLToPath(import.meta.url)), 'exit-with-parent.cjs');

export function startFunctionProcess(options: StartFunctionOptions): FunctionProcess {
  const dir = functionDir(options.name);
  const child = spawn(process.execPath, ['--require', guard, ...npmStartArguments(dir)], {
    cwd: dir,
    env: { ...options.env, FUNC_PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  if (child.pid === undefined) throw new Error(`cannot start ${options.name}: ${process.execPath} did not start`);
  const recent: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));

  for (const stream of ['stdout', 'stderr'] as const) {
    let buffered = '';
    child[stream]!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        recent.push(line);
        if (recent.length > 200) recent.shift();
        let parsed: LogLine | undefined;
        if (line.startsWith('{')) {
          try {
            parsed = JSON.parse(line) as LogLine;
          } catch {
            parsed = undefined;
          }
        }
        options.onLine?.(line, parsed, stream);
      }
    });
  }

  const url = `http://127.0.0.1:${options.port}`;
  const ready = (async () => {
    for (;;) {
      if (gone) {
        const { code, signal } = await exited;
        throw new Error(`${options.name} exited (${signal ?? `code ${code}`}) before it was ready`);
      }
      const ok = await fetch(`${url}/health/readiness`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  ready.catch(() => undefined);

  return {
    pid: child.pid,
    url,
    child,
    ready,
    exited,
    tail: (lines = 20) => recent.slice(-lines).join('\n'),
    async stop(graceMs = 5000) {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!gone) child.kill('SIGKILL');
      }, graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
