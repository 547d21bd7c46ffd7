// score benchmark: cold start (process spawn to readiness 200) and warm latency over HTTP for one row
// and for the whole test set, per protocol, against the BUILT function (npm run build first) serving
// scikit-learn's weights imported by the built CLI. Optionally (BENCH_TRAIN=1) the built train CLI's
// time. Prints numbers; asserts nothing.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startFunction } from '../support/function-process.ts';
import { repoRoot, sharedPath } from '../support/paths.ts';
import { stats, type Stats } from './stats.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const run = promisify(execFile);
const built = (cli: string): string => path.join(repoRoot, 'functions/score/build/cli', cli);

const line = (label: string, s: Stats, unit = 'ms'): void =>
  console.log(`  ${label.padEnd(52)} median ${s.median.toFixed(1)} ${unit}  p95 ${s.p95.toFixed(1)}  min ${s.min.toFixed(1)}  (n=${s.n})`);

async function timed(rounds: number, request: () => Promise<Response>): Promise<Stats> {
  const ms: number[] = [];
  for (let i = 0; i < rounds + 2; i++) {
    const t = performance.now();
    const res = await request();
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    if (i >= 2) ms.push(performance.now() - t); // two warm-up requests
  }
  return stats(ms);
}

export async function benchScore(): Promise<void> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'score-bench-'));
  try {
    const models = path.join(scratch, 'models');
    for (const kind of ['lda', 'mlp']) {
      await run(process.execPath, [built('import-sklearn.js'), '--in', sharedPath('reference/eeg-letters', `sklearn-${kind}.json`), '--out', models]);
    }
    if (process.env.BENCH_TRAIN) {
      const t = performance.now();
      await run(process.execPath, [built('train.js'), '--data', sharedPath('datasets/eeg-letters/train.csv'), '--out', path.join(scratch, 'trained'), '--quiet']);
      console.log(`score: train CLI (LDA + MLP, 1300 rows) ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const testJson = sharedPath('datasets/eeg-letters/test.json');
    // The whole test set is larger than faas-js-runtime's default 1 MiB body limit (func.yaml raises it too).
    const env = { MODEL_URL: `file://${models}/`, DATASET_URL: `file://${testJson}`, DEFAULT_MODEL: 'mlp', FUNC_BODY_LIMIT: String(16 << 20) };

    console.log('score: served by faas-js-runtime (LDA + MLP, scikit-learn weights), over HTTP on loopback');
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const fn = await startFunction('score', env);
      starts.push(fn.readyMs);
      await fn.stop();
    }
    line('cold start: process spawn to readiness 200', stats(starts));

    const fn = await startFunction('score', env);
    try {
      const rows = JSON.parse(await readFile(testJson, 'utf8')) as Record<string, Record<string, string>>;
      const features = (await (await fetch(`${fn.url}/?model=mlp`)).json()) as { inputs: { parameters: { feature_names: string[] } }[] };
      const names = features.inputs[0]!.parameters.feature_names;
      const ndarray = Object.values(rows).map((r) => names.map((n) => Number(r[n])));
      const post = (body: unknown, query = ''): (() => Promise<Response>) => {
        const text = JSON.stringify(body);
        return () => fetch(`${fn.url}/${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
      };
      line('one row, feature names (both models)', await timed(ROUNDS, post(rows['23'])));
      line('one row, Seldon ndarray (mlp)', await timed(ROUNDS, post({ data: { names, ndarray: [ndarray[23]] } })));
      line('one row, Open Inference v2 (lda, predict+proba)', await timed(ROUNDS, post({ inputs: [{ name: 'x', shape: [1, names.length], datatype: 'FP64', data: ndarray[23] }], outputs: [{ name: 'predict' }, { name: 'predict_proba' }] }, '?model=lda')));
      line('GET /?prediction=23 (both models)', await timed(ROUNDS, () => fetch(`${fn.url}/?prediction=23`)));
      const few = Math.max(5, Math.round(ROUNDS / 5));
      line('whole test set (1300 rows), test.json body, both models', await timed(few, post(rows)));
      line('whole test set (1300 rows), Seldon ndarray (mlp)', await timed(few, post({ data: { names, ndarray } })));
      line('GET /?score (cached after the first)', await timed(ROUNDS, () => fetch(`${fn.url}/?score`)));
    } finally {
      await fn.stop();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
