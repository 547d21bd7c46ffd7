import { readFileSync } from 'node:fs';
import { CloudEvent } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Served } from '../src/served.js';
import { invoke } from '../src/service.js';
import type { HttpResponse } from '../src/vendor/core/index.js';
import { sklearnPredictions, testCsv, testData, testJson } from './helpers.js';
import { call, json, request, sklearnModels, type Body, type SklearnModels } from './in-process.js';

/**
 * The same 1300 test rows through every protocol and URL give the same class for every row, and that
 * class is scikit-learn's: 1300/1300 per protocol and model.
 */
let models: SklearnModels;
let served: Served;
const preds = sklearnPredictions();
const table = testData();
const n = table.rows.length;
const testJsonBody = JSON.parse(readFileSync(testJson, 'utf8')) as Record<string, Record<string, string>>;

beforeAll(async () => {
  models = await sklearnModels();
  served = await models.start({ DATASET_URL: `file://${testJson}` });
});
afterAll(async () => models.remove());

function ok(res: HttpResponse): Body {
  expect(res.statusCode, JSON.stringify(res.body).slice(0, 300)).toBe(200);
  return json(res);
}

describe.each(['lda', 'mlp'] as const)('model %s', (kind) => {
  const model = () => served.byName.get(kind)!.model;
  const features = () => model().featureNames;
  const column = (name: string) => table.columns.indexOf(name);
  const matrix = () => table.rows.map((row) => features().map((f) => Number(row[column(f)])));
  const classOf = (proba: readonly number[]): number => model().classes[proba.indexOf(Math.max(...proba))]!;
  const chunks = (flat: readonly number[], k: number): number[][] => Array.from({ length: flat.length / k }, (_, r) => flat.slice(r * k, r * k + k));
  const k = () => model().classes.length;

  // Each protocol's answer as one class per test row, in test-table order.
  const protocols: Record<string, () => number[]> = {
    'OIP /v2/models/{m}/infer, [n, f] FP64 flat': () =>
      ok(request(served, 'POST', `/v2/models/${kind}/infer`, { inputs: [{ name: 'input-0', shape: [n, features().length], datatype: 'FP64', data: matrix().flat() }] })).outputs[0].data,
    'OIP /v2/models/{m}/versions/{v}/infer, nested': () =>
      ok(request(served, 'POST', `/v2/models/${kind}/versions/${served.byName.get(kind)!.version}/infer`, { inputs: [{ name: 'input-0', shape: [n, features().length], datatype: 'FP64', data: matrix() }], outputs: [{ name: 'predict' }] })).outputs[0].data,
    'OIP per-feature BYTES inputs': () =>
      ok(request(served, 'POST', `/v2/models/${kind}/infer`, { inputs: features().map((f) => ({ name: f, shape: [n], datatype: 'BYTES', data: table.rows.map((r) => r[column(f)]) })) })).outputs[0].data,
    'OIP predict_proba argmax': () =>
      chunks(ok(request(served, 'POST', `/v2/models/${kind}/infer`, { inputs: [{ name: 'x', shape: [n, features().length], datatype: 'FP64', data: matrix() }], outputs: [{ name: 'predict_proba' }] })).outputs[0].data, k()).map(classOf),
    'OIP on / (?model=)': () =>
      ok(request(served, 'POST', `/?model=${kind}`, { inputs: [{ name: 'input-0', shape: [n, features().length], datatype: 'FP64', data: matrix().flat() }] })).outputs[0].data,
    'Seldon /api/v1.0/predictions ndarray': () => ok(request(served, 'POST', `/api/v1.0/predictions?model=${kind}`, { data: { names: [...features()], ndarray: matrix() } })).data.ndarray.map(classOf),
    'Seldon /predict tensor': () =>
      chunks(ok(request(served, 'POST', `/predict?model=${kind}`, { data: { tensor: { shape: [n, features().length], values: matrix().flat() } } })).data.tensor.values, k()).map(classOf),
    'Seldon /api/v1.0/predictions jsonData (test.json)': () =>
      chunks(ok(request(served, 'POST', `/api/v1.0/predictions?model=${kind}`, { jsonData: testJsonBody })).data.tensor.values, k()).map(classOf),
    'Seldon on / (?model=)': () => ok(request(served, 'POST', `/?model=${kind}`, { data: { ndarray: matrix() } })).data.ndarray.map(classOf),
    'rows keyed by feature name on / (test.json)': () => ok(request(served, 'POST', `/?model=${kind}`, testJsonBody)).rows.map((r: Body) => r.predictions[kind].class),
    'CSV on /': () =>
      ok(call(served, { method: 'POST', path: '/', query: { model: kind }, contentType: 'text/csv' }, readFileSync(testCsv))).rows.map((r: Body) => r.predictions[kind].class),
    'GET /prediction/{n}': () => table.ids.map((_, i) => ok(request(served, 'GET', `/prediction/${i}?model=${kind}`)).predictions[kind].class),
    'GET /?prediction=n': () => table.ids.map((_, i) => ok(request(served, 'GET', `/?prediction=${i}&model=${kind}`)).predictions[kind].class),
    'CloudEvent with test.json': () => {
      const event = new CloudEvent<unknown>({ type: 'dev.example.score.request', source: '/test', id: 'all', datacontenttype: 'application/json', data: testJsonBody, model: kind });
      const out = invoke(served, { method: 'POST', path: '/', query: {}, cloudevent: event }, undefined) as CloudEvent<Body>;
      return out.data.rows.map((r: Body) => r.predictions[kind].class);
    },
  };

  it.each(Object.keys(protocols))("%s: 1300/1300 rows predict scikit-learn's class", (name) => {
    // The CSV file lists the rows in the same order as test.json (both parsed by the same table code).
    const expected = table.ids.map((id) => preds[kind].pred_norm[preds.keys.indexOf(id)]);
    const got = protocols[name]!();
    expect(got).toHaveLength(1300);
    const same = got.filter((c, i) => c === expected[i]).length;
    expect(same).toBe(1300);
  });
});
