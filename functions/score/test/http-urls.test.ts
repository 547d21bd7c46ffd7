import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type RunningFunction } from '../../../test/support/function-process.ts';
import { functionDir, referenceDir, repoRoot, sklearnPredictions, testData, testJson } from './helpers.js';
import * as oip from './spec/open-inference.js';
import * as seldon from './spec/seldon.js';

/**
 * Every URL over HTTP against the built function started as `npm start` starts it (the core server
 * entry in front of faas-js-runtime), with scikit-learn's weights imported by the built CLI: what a
 * client of each protocol sees, status codes and headers included. Needs `npm run build` first.
 */
const run = promisify(execFile);
let fn: RunningFunction;
let models: string;
const preds = sklearnPredictions();
const table = testData();
const expected = (kind: 'lda' | 'mlp') => table.ids.map((id) => preds[kind].pred_norm[preds.keys.indexOf(id)]);

beforeAll(async () => {
  if (!existsSync(path.join(functionDir, 'build/index.js'))) throw new Error('functions/score/build is missing: run `npm run build` first');
  models = await mkdtemp(path.join(tmpdir(), 'score-http-'));
  for (const kind of ['lda', 'mlp']) {
    await run(process.execPath, [path.join(functionDir, 'build/cli/import-sklearn.js'), '--in', path.join(referenceDir, `sklearn-${kind}.json`), '--out', models], { cwd: repoRoot });
  }
  // func.yaml raises faas-js-runtime's 1 MiB body limit so that the whole test set fits in one request.
  fn = await startFunction('score', { MODEL_URL: `file://${models}/`, DATASET_URL: `file://${testJson}`, FUNC_BODY_LIMIT: String(16 << 20) });
}, 120_000);
afterAll(async () => {
  await fn?.stop();
  if (models) await rm(models, { recursive: true, force: true });
});

const get = (url: string) => fetch(`${fn.url}${url}`);
const post = (url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${fn.url}${url}`, { method: 'POST', headers, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) });

describe('Open Inference over HTTP', () => {
  it('health, server and model metadata, model ready answer as the spec says', async () => {
    expect((await get('/v2/health/live')).status).toBe(200);
    expect((await get('/v2/health/ready')).status).toBe(200);
    expect(oip.metadataServerResponse.parse(await (await get('/v2')).json()).extensions).toContain('binary_tensor_data');
    const meta = oip.metadataModelResponse.parse(await (await get('/v2/models/mlp')).json());
    expect(meta.inputs?.[0]?.shape).toEqual([-1, 160]);
    expect((await get(`/v2/models/mlp/versions/${meta.versions![0]}/ready`)).status).toBe(200);
    const missing = await get('/v2/models/nope/ready');
    expect(missing.status).toBe(404);
    expect(oip.errorResponse.parse(await missing.json()).error).toMatch(/no model named/);
  });

  it.each(['lda', 'mlp'] as const)("POST /v2/models/%s/infer: 1300/1300 rows get scikit-learn's class", async (kind) => {
    const features = ((await (await get(`/v2/models/${kind}`)).json()) as { inputs: { parameters: { feature_names: string[] } }[] }).inputs[0]!.parameters.feature_names;
    const data = table.rows.map((row) => features.map((f) => Number(row[table.columns.indexOf(f)])));
    const res = await post(`/v2/models/${kind}/infer`, { inputs: [{ name: 'input-0', shape: [data.length, features.length], datatype: 'FP64', data }], outputs: [{ name: 'predict' }] });
    expect(res.status).toBe(200);
    expect(oip.inferenceResponse.parse(await res.json()).outputs[0]!.data).toEqual(expected(kind));
  });

  it("takes Triton's binary tensor request without a content type, as Triton's client sends it", async () => {
    const f = 160;
    const values = Buffer.alloc(f * 4);
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input-0', shape: [1, f], datatype: 'FP32', parameters: { binary_data_size: values.length } }], outputs: [{ name: 'predict', parameters: { binary_data: true } }] }));
    const res = await fetch(`${fn.url}/v2/models/lda/infer`, { method: 'POST', headers: { 'inference-header-content-length': String(header.length) }, body: Buffer.concat([header, values]) });
    expect(res.status).toBe(200);
    const length = Number(res.headers.get('inference-header-content-length'));
    const body = Buffer.from(await res.arrayBuffer());
    expect(JSON.parse(body.toString('utf8', 0, length)).outputs[0]).toMatchObject({ name: 'predict', parameters: { binary_data_size: 8 } });
    expect(body.length).toBe(length + 8);
  });

  it('a bad request is a 400 {"error"}, a wrong method 405 with Allow', async () => {
    const bad = await post('/v2/models/lda/infer', { inputs: [{ name: 'x', shape: [1, 3], datatype: 'INT8', data: [1, 2, 300] }] });
    expect(bad.status).toBe(400);
    expect(oip.errorResponse.parse(await bad.json()).error).toMatch(/INT8/);
    const wrong = await get('/v2/models/lda/infer');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('Seldon over HTTP', () => {
  it('POST /api/v1.0/predictions and /predict answer a SeldonMessage; failures carry the status', async () => {
    const rows = JSON.parse(await readFile(testJson, 'utf8')) as Record<string, Record<string, string>>;
    for (const url of ['/api/v1.0/predictions?model=mlp', '/predict?model=mlp']) {
      const res = await post(url, { meta: { puid: 'p1' }, jsonData: rows['23'] });
      expect(res.status, url).toBe(200);
      const body = seldon.seldonMessage.parse(await res.json());
      expect(body.meta?.puid).toBe('p1');
      const p = body.data!.tensor!.values;
      expect(p.indexOf(Math.max(...p))).toBe(preds.mlp.pred_norm[preds.keys.indexOf('23')]);
    }
    const bad = await post('/api/v1.0/predictions?model=mlp', { strData: 'x' });
    expect(bad.status).toBe(400);
    expect(seldon.seldonFailure.parse(await bad.json()).status.reason).toBe('MICROSERVICE_BAD_DATA');
  });

  it('reads the json form field, as the Python microservice does', async () => {
    const msg = { data: { ndarray: [new Array(160).fill(1)] } };
    const res = await post('/predict?model=lda', new URLSearchParams({ json: JSON.stringify(msg) }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
    expect(seldon.seldonMessage.parse(await res.json()).data?.ndarray).toHaveLength(1);
  });
});

describe('the seed API and the rest over HTTP', () => {
  it('/line/23, /prediction/23, /score answer as ?line=23, ?prediction=23, ?score', async () => {
    for (const [a, b] of [['/line/23', '/?line=23'], ['/prediction/23', '/?prediction=23'], ['/score', '/?score']] as const) {
      const [ra, rb] = await Promise.all([get(a), get(b)]);
      expect(ra.status, a).toBe(200);
      expect(await ra.json(), a).toEqual(await rb.json());
    }
  });

  it('an unknown path is a 404 listing the URLs; HEAD works; GET / lists the URLs', async () => {
    const res = await get('/v1/models/mlp:predict');
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { details: { urls: string[] } } };
    expect(body.error.details.urls).toContain('POST /v2/models/{model}/infer');
    expect((await fetch(`${fn.url}/v2/health/ready`, { method: 'HEAD' })).status).toBe(200);
    expect(Object.keys(((await (await get('/')).json()) as { urls: Record<string, string> }).urls)).toEqual(body.error.details.urls);
  });
});
