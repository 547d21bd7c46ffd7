// A function directory copied alone, outside the workspace, as kn func's builders see it (s2i and pack
// build one directory: no repository root, no hoisted node_modules).
import { execFile } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths.ts';

export const run = promisify(execFile);

/** Copies functions/<fn> to dest without its node_modules and build output. */
export async function copyFunction(fn: string, dest: string): Promise<void> {
  await cp(path.join(repoRoot, 'functions', fn), dest, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|build)([/\\]|$)/.test(path.relative(repoRoot, src)),
  });
}

/** npm's environment in a builder: quiet, and onnxruntime-node's CUDA download skipped as func.yaml's buildEnvs say. */
export const builderEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  ONNXRUNTIME_NODE_INSTALL: 'skip',
});

/** Disk usage of a directory as `du -sk` counts it, in MiB (what `du -sh` prints as M). */
export async function duMiB(dir: string): Promise<number> {
  const { stdout } = await run('du', ['-sk', dir]);
  return Number(stdout.split(/\s/)[0]) / 1024;
}
