// classify's production install: `npm ci --omit=dev` in a lone copy of functions/classify (what the image
// carries), its size before and after the install prune (functions/classify/install/prune.mjs, which the
// install runs as postinstall; here it is held back with BUCKET_ML_PRUNE=off, then run by hand), and the
// largest packages left. Prints numbers next to issue 10's target; asserts nothing.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builderEnv, copyFunction, duMiB, run } from '../support/standalone.ts';
import { num } from './table.ts';
import { TARGETS, describeTarget, mark } from './targets.ts';

export async function benchInstallSize(): Promise<void> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'bench-install-'));
  try {
    const dir = path.join(scratch, 'classify');
    await copyFunction('classify', dir);
    const t0 = performance.now();
    await run('npm', ['ci', '--omit=dev', '--prefer-offline'], { cwd: dir, env: { ...builderEnv(), BUCKET_ML_PRUNE: 'off' }, maxBuffer: 1 << 24 });
    const installS = (performance.now() - t0) / 1000;
    const modules = path.join(dir, 'node_modules');
    const before = await duMiB(modules);
    const { stdout } = await run(process.execPath, ['install/prune.mjs'], { cwd: dir });
    const after = await duMiB(modules);
    const t = TARGETS.installMb;
    console.log(`classify's production install (npm ci --omit=dev in a lone copy, ${installS.toFixed(0)} s; du of node_modules)`);
    console.log(`  as npm installs it          ${num(before).padStart(4)} MB`);
    console.log(`  after install/prune.mjs     ${num(after).padStart(4)} MB  ${mark(t, after)}  target ${describeTarget(t)} with ONNX Runtime in it`);
    console.log(`  ${stdout.trim()}`);
    const entries = (await readdir(modules)).filter((e) => !e.startsWith('.'));
    const du = await run('du', ['-sk', ...entries], { cwd: modules, maxBuffer: 1 << 22 });
    const sizes = du.stdout.trim().split('\n').map((l): [string, number] => {
      const [kb, name] = l.split('\t');
      return [name ?? '?', Number(kb) / 1024];
    });
    sizes.sort((a, b) => b[1] - a[1]);
    console.log(`  largest after pruning: ${sizes.slice(0, 6).map(([n, mb]) => `${n} ${mb.toFixed(0)} MB`).join(', ')}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
