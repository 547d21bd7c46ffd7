// `npm run bench`: every benchmark, one after the other (they would skew each other in parallel).
import { benchClassify } from './classify.ts';
import { benchProductionPath } from './production-path.ts';
import { benchReconcile } from './reconcile.ts';
import { benchScore } from './score.ts';

const only = process.argv[2];
const benches: Record<string, () => Promise<void>> = { classify: benchClassify, 'production-path': benchProductionPath, score: benchScore, reconcile: benchReconcile };
for (const [name, run] of Object.entries(benches)) {
  if (only && only !== name) continue;
  await run();
}
