import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../src/artifact/load.js';
import { parseTable } from '../src/dataset/table.js';
import { fitLda } from '../src/models/lda.js';
import { gemmNT } from '../src/models/linalg.js';
import { TabularModel } from '../src/models/model.js';
import { applyPreprocessing } from '../src/models/preprocess.js';
import { NumpyRandomState } from '../src/models/random.js';
import { labelledData } from '../src/training/labelled-data.js';
import { PREPROCESSING } from '../src/training/train-models.js';
import { importedArtifact, rawTestRows, sklearnExport, sklearnPredictions, trainCsv } from './helpers.js';

describe('numpy-compatible random stream', () => {
  // Values printed by numpy's RandomState(0): random_sample(3), then shuffle(arange(10)) on a fresh one.
  it('draws what numpy.random.RandomState(0) draws', () => {
    const r = new NumpyRandomState(0);
    expect([r.nextDouble(), r.nextDouble(), r.nextDouble()]).toEqual([0.5488135039273248, 0.7151893663724195, 0.6027633760716439]);
    const s = new NumpyRandomState(0);
    const a = Array.from({ length: 10 }, (_, i) => i);
    s.shuffle(a);
    expect(a).toEqual([2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
  });
});

describe('A·Bᵀ kernel', () => {
  it('matches a naive product for awkward shapes (wasm blocks plus JavaScript edges)', () => {
    const rng = new NumpyRandomState(7);
    for (const [na, nb, k] of [[1, 1, 1], [3, 5, 7], [7, 26, 500], [13, 9, 33], [101, 103, 27], [200, 500, 160]] as const) {
      const a = rng.uniform(-1, 1, na * k);
      const b = rng.uniform(-1, 1, nb * k);
      const c = new Float64Array(na * nb).fill(NaN);
      gemmNT(a, na, b, nb, k, c);
      let worst = 0;
      for (let i = 0; i < na; i++)
        for (let j = 0; j < nb; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) s += a[i * k + q]! * b[j * k + q]!;
          worst = Math.max(worst, Math.abs(s - c[i * nb + j]!));
        }
      expect(worst).toBeLessThan(1e-10);
    }
  });
});

describe.each(['lda', 'mlp'] as const)('scikit-learn %s weights served from an artifact', (kind) => {
  const artifact = importedArtifact(kind);
  const { model } = loadArtifact(JSON.parse(JSON.stringify(artifact)), kind);
  const preds = sklearnPredictions();
  const raw = rawTestRows(model.featureNames);
  const rows = preds.keys.length;
  const { proba, index } = model.run(raw, rows);
  const k = model.classes.length;

  it('predicts what scikit-learn predicts on all 1300 test rows', () => {
    expect(rows).toBe(1300);
    const served = Array.from(index, (i) => model.classes[i]);
    expect(served).toEqual(preds[kind].pred_norm);
  });

  it('gives scikit-learn probabilities to 1e-6', () => {
    let worst = 0;
    preds[kind].proba_norm.forEach((row, r) => row.forEach((p, c) => (worst = Math.max(worst, Math.abs(proba[r * k + c]! - p)))));
    expect(worst).toBeLessThan(1e-6);
  });

  it('answers raw (unnormalised) rows with the normalised-model answer', () => {
    // The article's API fed raw rows to models trained on normalised ones: pred_raw records what that gave.
    const skewed = preds[kind].pred_raw;
    const differs = skewed.filter((p, r) => p !== preds[kind].pred_norm[r]).length;
    expect(differs).toBeGreaterThan(0);
    // Scaling a row changes its raw values but not its normalised ones: the answer must not move.
    const scaled = raw.map((v) => v * 1000);
    const again = model.run(scaled, rows).index;
    expect(Array.from(again)).toEqual(Array.from(index));
    // And normalising before sending changes nothing either (preprocessing is idempotent).
    const normalised = Float64Array.from(raw);
    applyPreprocessing(model.preprocessing, normalised, rows, model.featureNames.length);
    expect(Array.from(model.run(normalised, rows).index)).toEqual(Array.from(index));
  });
});

describe('LDA trained in TypeScript', () => {
  const table = parseTable(readFileSync(trainCsv, 'utf8'));
  const data = labelledData(table, '# Letter', ['Line']);
  const x = Float64Array.from(data.x);
  applyPreprocessing(PREPROCESSING, x, data.rows, data.featureNames.length);
  const fit = fitLda(x, data.y, data.classes.length);

  it("predicts exactly what scikit-learn's LDA predicts on all 1300 test rows", () => {
    const model = new TabularModel({
      name: 'lda',
      featureNames: data.featureNames,
      classes: data.classes,
      classNames: data.classes.map(String),
      preprocessing: PREPROCESSING,
      weights: { type: 'lda', features: data.featureNames.length, classes: data.classes.length, coef: fit.coef, intercept: fit.intercept },
    });
    const preds = sklearnPredictions();
    const { index } = model.run(rawTestRows(model.featureNames), preds.keys.length);
    expect(Array.from(index, (i) => data.classes[i])).toEqual(preds.lda.pred_norm);
  });

  it("reproduces scikit-learn's coefficients", () => {
    const ref = sklearnExport('lda');
    if (ref.model_type !== 'LinearDiscriminantAnalysis') throw new Error('not LDA');
    const f = data.featureNames.length;
    expect(data.featureNames).toEqual(ref.input.feature_names);
    let worst = 0;
    ref.coef.forEach((row, c) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - fit.coef[c * f + j]!) / Math.max(1, Math.abs(v))))));
    expect(worst).toBeLessThan(1e-6);
  });
});
