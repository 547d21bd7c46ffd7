import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { npmStartArguments } from '../../packages/local/src/run/npm-start.ts';
import { repoRoot } from './paths.ts';

export interface RunningFunction {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  /** Process start to readiness 200, in ms. */
  readyMs: number;
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a BUILT function the way `npm start` does in its container (its package.json start command:
 * the core server entry on build/index.js, cwd = the function directory), on a free port, and waits
 * until its readiness probe answers 200.
 */
export async function startFunction(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<RunningFunction> {
  const dir = path.join(repoRoot, 'functions', name);
  return startServer(name, dir, npmStartArguments(dir), env, timeoutMs);
}

/** Runs `node <args>` in `cwd` with FUNC_PORT set to a free port, until its readiness probe answers 200. */
export async function startServer(name: string, cwd: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<RunningFunction> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', FUNC_PORT: String(port), NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`${name} exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready after ${timeoutMs} ms:\n${out}`);
    }
    const ok = await fetch(`${url}/health/readiness`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const readyMs = Math.round(performance.now() - t0);
  return {
    url,
    port,
    child,
    readyMs,
    output: () => out,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface ExitedFunction {
  /** The exit code, or null when it did not exit within the time allowed (then it was killed). */
  code: number | null;
  output: string;
}

/**
 * Starts a BUILT function as `npm start` does (see startFunction) and waits for it to exit: for
 * start-ups that must fail. A process still running after `timeoutMs` is killed and reported as null.
 */
export async function runUntilExit(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<ExitedFunction> {
  const dir = path.join(repoRoot, 'functions', name);
  const port = await freePort();
  const child = spawn(process.execPath, npmStartArguments(dir), {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', FUNC_PORT: String(port), NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, timeoutMs);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, output };
}
