import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startFunction, type RunningFunction } from '../../../test/support/function-process.ts';
import { awsEnvFor, rgwAccess, s3For, uniqueName } from '../../../test/support/rgw-clients.ts';
import { loadModels, type LoadedModel } from '../src/artifact/load.js';
import { functionDir, rawTestRows, referenceDir, repoRoot, sklearnExport, sklearnPredictions, testJson, trainCsv } from './helpers.js';

/**
 * The built function end to end: compile, train both models with the built CLI, import scikit-learn's
 * weights with the built CLI, then run build/index.js under faas-js-runtime and talk HTTP to it.
 * Training happens once per run, here.
 */
const run = promisify(execFile);
const node = (args: string[]) => run(process.execPath, args, { cwd: repoRoot, maxBuffer: 1 << 24 });

let scratch: string;
let trainSeconds = 0;
let trained: LoadedModel[];
let fn: RunningFunction;
const preds = sklearnPredictions();
const accuracyOf = (labels: readonly number[]): number => labels.filter((p, i) => p === preds.y_true[i]).length / labels.length;

beforeAll(async () => {
  if (!existsSync(path.join(functionDir, 'src/vendor/core/index.ts'))) throw new Error('src/vendor/core is missing: run `npm run build` (it vendors packages/core) first');
  await node([path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(functionDir, 'tsconfig.json')]);
  scratch = await mkdtemp(path.join(tmpdir(), 'score-built-'));
  const t0 = performance.now();
  await node([path.join(functionDir, 'build/cli/train.js'), '--data', trainCsv, '--out', path.join(scratch, 'typescript'), '--quiet']);
  trainSeconds = (performance.now() - t0) / 1000;
  for (const kind of ['lda', 'mlp']) {
    await node([
      path.join(functionDir, 'build/cli/import-sklearn.js'),
      '--in', path.join(referenceDir, `sklearn-${kind}.json`),
      '--out', path.join(scratch, 'sklearn'),
      '--name', `sklearn-${kind}`,
      '--data', testJson,
      '--predictions', path.join(referenceDir, 'sklearn-predictions.json'),
    ]);
  }
  trained = await loadModels([`file://${scratch}/typescript/`]);
  fn = await startFunction('score', { MODEL_URL: `file://${scratch}/typescript/,file://${scratch}/sklearn/`, DATASET_URL: `file://${testJson}` });
}, 300_000);

afterAll(async () => {
  await fn?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('models trained by the built CLI', () => {
  it('records what they were trained on: the same train.csv scikit-learn used', async () => {
    const sha = createHash('sha256').update(await readFile(trainCsv)).digest('hex');
    const ref = sklearnExport('lda');
    expect(sha).toBe(ref.training_data.sha256);
    for (const m of trained) {
      expect(m.artifact.training).toMatchObject({ origin: 'typescript', data: { sha256: sha, rows: 1300 } });
      expect(m.artifact.input.features).toEqual(ref.input.feature_names);
    }
  });

  it("LDA predicts exactly what scikit-learn's LDA predicts on all 1300 test rows", () => {
    const lda = trained.find((m) => m.model.name === 'lda')!.model;
    const { index } = lda.run(rawTestRows(lda.featureNames), preds.keys.length);
    expect(Array.from(index, (i) => lda.classes[i])).toEqual(preds.lda.pred_norm);
  });

  it('MLP reaches at least 0.65 accuracy on test.json', () => {
    const mlp = trained.find((m) => m.model.name === 'mlp')!;
    const { index } = mlp.model.run(rawTestRows(mlp.model.featureNames), preds.keys.length);
    const accuracy = accuracyOf(Array.from(index, (i) => mlp.model.classes[i]!));
    console.log(`[score] TypeScript MLP: ${mlp.artifact.training.epochs} epochs, loss ${mlp.artifact.training.loss}, accuracy ${accuracy.toFixed(4)}; train CLI ${trainSeconds.toFixed(1)} s`);
    expect(mlp.artifact.training.epochs).toBeGreaterThan(10);
    expect(accuracy).toBeGreaterThanOrEqual(0.65);
  });

  it("follows scikit-learn's training trajectory (same seed, same stream, same stopping epoch)", () => {
    const mlp = trained.find((m) => m.model.name === 'mlp')!;
    const ref = sklearnExport('mlp');
    if (ref.model_type !== 'MLPClassifier') throw new Error('not the MLP export');
    expect(mlp.artifact.training.epochs).toBe(ref.fit.n_iter_);
    expect(Math.abs(mlp.artifact.training.loss! - ref.fit.loss_)).toBeLessThan(1e-6);
    const { index } = mlp.model.run(rawTestRows(mlp.model.featureNames), preds.keys.length);
    const same = Array.from(index, (i) => mlp.model.classes[i]).filter((c, r) => c === preds.mlp.pred_norm[r]).length;
    expect(same / preds.keys.length).toBeGreaterThan(0.99);
  });
});

describe('the built function under faas-js-runtime', () => {
  it('is ready and serves all four models', async () => {
    const res = await fetch(`${fn.url}/`);
    const body = (await res.json()) as { models: { name: string; origin: string }[] };
    expect(body.models.map((m) => `${m.name}:${m.origin}`).sort()).toEqual(['lda:typescript', 'mlp:typescript', 'sklearn-lda:sklearn', 'sklearn-mlp:sklearn']);
    console.log(`[score] cold start to ready: ${fn.readyMs} ms`);
  });

  it('GET /?score: accuracies of both origins on test.json', async () => {
    const res = await fetch(`${fn.url}/?score`);
    expect(res.status).toBe(200);
    const { accuracy } = (await res.json()) as { accuracy: Record<string, number> };
    console.log(`[score] accuracy on test.json: ${JSON.stringify(accuracy)}`);
    expect(accuracy['sklearn-lda']).toBeCloseTo(accuracyOf(preds.lda.pred_norm), 12);
    expect(accuracy['sklearn-mlp']).toBeCloseTo(accuracyOf(preds.mlp.pred_norm), 12);
    expect(accuracy['lda']).toBeCloseTo(accuracyOf(preds.lda.pred_norm), 12);
    expect(accuracy['mlp']).toBeGreaterThanOrEqual(0.65);
  });

  it('answers plain JSON rows over HTTP', async () => {
    const rows = JSON.parse(await readFile(testJson, 'utf8')) as Record<string, Record<string, string>>;
    const res = await fetch(`${fn.url}/?model=sklearn-mlp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rows['42']) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rows: { predictions: Record<string, { class: number }> }[] };
    expect(body.rows[0]!.predictions['sklearn-mlp']!.class).toBe(preds.mlp.pred_norm[preds.keys.indexOf('42')]);
  });

  it('answers a binary-mode CloudEvent with a CloudEvent', async () => {
    const rows = JSON.parse(await readFile(testJson, 'utf8')) as Record<string, Record<string, string>>;
    const res = await fetch(`${fn.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'score-req-7',
        'ce-type': 'dev.example.score.request',
        'ce-source': '/tests',
        'ce-model': 'sklearn-lda',
      },
      body: JSON.stringify(rows['7']),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('ce-type')).toBe('io.bucketml.score.completed.v1');
    expect(res.headers.get('ce-requestid')).toBe('score-req-7');
    const body = (await res.json()) as { rows: { predictions: Record<string, { class: number }> }[] };
    expect(body.rows[0]!.predictions['sklearn-lda']!.class).toBe(preds.lda.pred_norm[preds.keys.indexOf('7')]);
  });

  it('answers a bad request with a 400 in the protocol shape and keeps serving', async () => {
    const res = await fetch(`${fn.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { ndarray: [[1, 2]] } }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { status: { reason: string } }).status.reason).toBe('MICROSERVICE_BAD_DATA');
    expect((await fetch(`${fn.url}/health/readiness`)).status).toBe(200);
  });
});

describe('models and dataset in an S3 bucket (the run\'s Ceph RGW)', () => {
  it('loads every artifact under an s3:// prefix and the dataset from s3://', async () => {
    const rgw = rgwAccess();
    const s3 = s3For(rgw);
    const bucket = uniqueName('score-models');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const kind of ['lda', 'mlp']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `eeg/v1/${kind}.json`, Body: await readFile(path.join(scratch, 'typescript', `${kind}.json`)) }));
    }
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/test.json', Body: await readFile(testJson) }));
    const remote = await startFunction('score', { ...awsEnvFor(rgw), MODEL_URL: `s3://${bucket}/eeg/v1/`, DATASET_URL: `s3://${bucket}/data/test.json` });
    try {
      const res = await fetch(`${remote.url}/?prediction=23`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { predictions: Record<string, { class: number }> };
      expect(Object.keys(body.predictions).sort()).toEqual(['lda', 'mlp']);
      expect(body.predictions['lda']!.class).toBe(preds.lda.pred_norm[preds.keys.indexOf('23')]);
    } finally {
      await remote.stop();
    }
  });
});

describe('a model that does not check out', () => {
  it('stops the function before it listens, with exit code 1 and the reason', async () => {
    const bad = path.join(scratch, 'tampered');
    await mkdir(bad, { recursive: true });
    const artifact = JSON.parse(await readFile(path.join(scratch, 'typescript/lda.json'), 'utf8')) as { model: { coef: { data: number[] } } };
    artifact.model.coef.data[0] = artifact.model.coef.data[0]! * 1.001;
    await writeFile(path.join(bad, 'lda.json'), JSON.stringify(artifact));
    const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules/faas-js-runtime/bin/cli.js'), './build/index.js', '--port', '0'], {
      cwd: functionDir,
      env: { PATH: process.env['PATH'] ?? '', MODEL_URL: `file://${bad}/` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 30_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(1);
    expect(out).toMatch(/digest .* does not match/);
  });
});
