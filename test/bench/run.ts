// `npm run bench`: the benchmarks of issue 10 (classify old vs new, classify's install size, score), one
// after the other (they would skew each other in parallel); `npm run bench NAME` runs one, including the
// longer ones left out of the default run (production-path, reconcile), and `npm run bench all` every one.
import { loadavg } from 'node:os';
import { benchClassify } from './classify.ts';
import { benchInstallSize } from './install-size.ts';
import { benchProductionPath } from './production-path.ts';
import { benchReconcile } from './reconcile.ts';
import { benchScore } from './score.ts';

const benches: Record<string, { run: () => Promise<void>; byDefault: boolean }> = {
  classify: { run: benchClassify, byDefault: true },
  'install-size': { run: benchInstallSize, byDefault: true },
  score: { run: benchScore, byDefault: true },
  'production-path': { run: benchProductionPath, byDefault: false },
  reconcile: { run: benchReconcile, byDefault: false },
};
const only = process.argv[2];
if (only && only !== 'all' && !benches[only]) throw new Error(`no benchmark ${only}: ${Object.keys(benches).join(', ')} or all`);
const t0 = performance.now();
for (const [name, bench] of Object.entries(benches)) {
  if (only ? only !== 'all' && only !== name : !bench.byDefault) continue;
  await bench.run();
}
console.log(`bench: ${((performance.now() - t0) / 1000).toFixed(0)} s; load average now ${loadavg()[0]!.toFixed(1)} (on a shared machine the numbers are noisy)`);
