import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Served } from '../src/served.js';
import type { HttpResponse } from '../src/vendor/core/index.js';
import { sklearnPredictions, testData, testJson } from './helpers.js';
import { call, request, sklearnModels, type Body, type SklearnModels } from './in-process.js';
import * as spec from './spec/seldon.js';

/**
 * Seldon Core v1 at its standard URLs: the external API's POST /api/v1.0/predictions
 * (reference/apis/external-prediction.md) and the model microservice's /predict (internal-api.md,
 * python/seldon_core/wrapper.py), payloads per proto/prediction.proto. Expected numbers are
 * scikit-learn's own predict_proba.
 */
let models: SklearnModels;
let served: Served;
let several: Served;
const preds = sklearnPredictions();
const table = testData();
const at = (i: number): number => preds.keys.indexOf(table.ids[i]!);

beforeAll(async () => {
  models = await sklearnModels();
  served = await models.start({ DEFAULT_MODEL: 'mlp' });
  several = await models.start({ DATASET_URL: `file://${testJson}` });
});
afterAll(async () => models.remove());

const names = (): readonly string[] => served.byName.get('lda')!.model.featureNames;
const values = (i: number, order: readonly string[] = names()): number[] => order.map((n) => Number(table.rows[i]![table.columns.indexOf(n)]));
const testRow = (i: number): Record<string, string> => Object.fromEntries(table.columns.map((c, j) => [c, table.rows[i]![j]!]));
const predict = (url: string, body: unknown, s = served): HttpResponse => request(s, 'POST', url, body);
const URLS = ['/api/v1.0/predictions', '/predict'];

/** A success is a SeldonMessage (prediction.proto) without a failure status. */
function message(res: HttpResponse): Body {
  expect(res.statusCode, JSON.stringify(res.body).slice(0, 300)).toBe(200);
  const body = spec.seldonMessage.parse(res.body);
  expect(body.status?.status ?? 'SUCCESS').toBe('SUCCESS');
  return body;
}

/** Rows of class probabilities within 1e-6 of scikit-learn's, for model `kind`. */
function expectProba(rows: number[][], expected: number[], kind: 'lda' | 'mlp' = 'mlp'): void {
  expect(rows).toHaveLength(expected.length);
  expected.forEach((i, r) => preds[kind].proba_norm[at(i)]!.forEach((p, c) => expect(Math.abs(rows[r]![c]! - p)).toBeLessThan(1e-6)));
}

const tensorRows = (t: { shape: number[]; values: number[] }): number[][] =>
  Array.from({ length: t.shape[0]! }, (_, r) => t.values.slice(r * t.shape[1]!, (r + 1) * t.shape[1]!));

describe.each(URLS)('POST %s', (url) => {
  it('answers the documented tensor payload ({"data":{"names":[…],"tensor":{"shape":[2,n],"values":[…]}}}) with a tensor of class probabilities', () => {
    const order = [...names()].reverse();
    const body = message(predict(url, { data: { names: order, tensor: { shape: [2, order.length], values: [...values(0, order), ...values(1299, order)] } } }));
    expect(body.data.names).toEqual([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ']);
    expect(body.data.tensor.shape).toEqual([2, 26]);
    expectProba(tensorRows(body.data.tensor), [0, 1299]);
  });

  it('answers ndarray with ndarray, with or without names (positional in the model\'s feature order)', () => {
    const named = message(predict(url, { data: { names: [...names()], ndarray: [values(10), values(400)] } }));
    expectProba(named.data.ndarray, [10, 400]);
    const positional = message(predict(url, { data: { ndarray: [values(10), values(400)] } }));
    expect(positional.data).toEqual(named.data);
    // One row may be sent as a flat ndarray.
    expectProba(message(predict(url, { data: { ndarray: values(10) } })).data.ndarray, [10]);
  });

  it('takes jsonData rows keyed by feature name (one row, an array, rows keyed by id) and answers a tensor, as the Python wrapper does', () => {
    expectProba(tensorRows(message(predict(url, { jsonData: testRow(5) })).data.tensor), [5]);
    expectProba(tensorRows(message(predict(url, { jsonData: [testRow(5), testRow(6)] })).data.tensor), [5, 6]);
    const byId = Object.fromEntries([7, 8, 9].map((i) => [table.ids[i]!, testRow(i)]));
    expectProba(tensorRows(message(predict(url, { jsonData: byId })).data.tensor), [7, 8, 9]);
  });

  it('passes meta back: puid, tags and metrics as sent, requestPath with this model and its version added', () => {
    const meta = { puid: 'abc-123', tags: { team: 'eeg', run: 4 }, metrics: [{ key: 'upstream', type: 'COUNTER', value: 1 }], requestPath: { transformer: 'img:1' } };
    const body = message(predict(url, { meta, data: { ndarray: [values(3)] } }));
    expect(body.meta).toEqual({ ...meta, requestPath: { transformer: 'img:1', mlp: served.byName.get('mlp')!.version } });
    expect(message(predict(url, { data: { ndarray: [values(3)] } })).meta).toEqual({ requestPath: { mlp: served.byName.get('mlp')!.version } });
  });

  it('chooses the model with ?model=NAME', () => {
    expectProba(message(predict(`${url}?model=lda`, { data: { ndarray: [values(12)] } })).data.ndarray, [12], 'lda');
  });
});

describe("the microservice's other ways of sending a message (flask_utils.get_request)", () => {
  it('reads the `json` form field and GET /predict?json=', () => {
    const msg = { data: { ndarray: [values(20)] } };
    const form = call(served, { method: 'POST', path: '/predict', query: {}, contentType: 'application/x-www-form-urlencoded' }, { json: JSON.stringify(msg) });
    expectProba(message(form).data.ndarray, [20]);
    const viaQuery = request(served, 'GET', `/predict?json=${encodeURIComponent(JSON.stringify(msg))}`);
    expectProba(message(viaQuery).data.ndarray, [20]);
  });
});

describe('failures: a SeldonMessage with status FAILURE and the HTTP status', () => {
  const failure = (res: HttpResponse, code: number, info: RegExp): void => {
    expect(res.statusCode).toBe(code);
    const { status } = spec.seldonFailure.parse(res.body);
    expect(status).toMatchObject({ code, reason: code >= 500 ? 'MICROSERVICE_INTERNAL_ERROR' : 'MICROSERVICE_BAD_DATA', status: 'FAILURE' });
    expect(status.info).toMatch(info);
  };

  it.each([
    ['strData', { strData: 'hello' }, /not strData/],
    ['binData', { binData: 'aGVsbG8=' }, /not strData or binData/],
    ['no payload', { meta: { puid: 'x' } }, /no data or jsonData/],
    ['a row of the wrong width', { data: { ndarray: [[1, 2, 3]] } }, /160 features/],
    ['both ndarray and tensor', { data: { ndarray: [[1]], tensor: { shape: [1, 1], values: [1] } } }, /exactly one/],
    ['a tensor whose shape and values disagree', { data: { tensor: { shape: [2, 160], values: [1, 2] } } }, /needs 320 values/],
    ['names that lack a feature', { data: { names: ['a', 'b'], ndarray: [[1, 2]] } }, /names lack 160/],
    ['a value that is no number', { data: { ndarray: [['x', ...new Array(159).fill(1)]] } }, /not a finite number/],
    ['jsonData that holds no rows', { jsonData: [1, 2, 3] }, /jsonData must hold rows/],
    ['a jsonData row without every feature', { jsonData: { 'Cz/theta': 1 } }, /lacks 159 of the 160 features/],
    ['meta of the wrong type', { meta: { puid: 7 }, data: { ndarray: [[1]] } }, /meta.puid/],
  ] as const)('%s → 400', (_, body, info) => {
    for (const url of URLS) failure(predict(url, body), 400, info);
  });

  it('an unknown model → 404, several models and none chosen → 400', () => {
    failure(predict('/api/v1.0/predictions?model=nope', { data: { ndarray: [values(1)] } }), 404, /no model named "nope"/);
    failure(predict('/api/v1.0/predictions', { data: { ndarray: [values(1)] } }, several), 400, /several models/);
  });

  it('a body that is not JSON → 400, a wrong method → 405 with Allow, an unknown /api path → 404', () => {
    failure(predict('/api/v1.0/predictions', Buffer.from('{"data": ')), 400, /not valid JSON/);
    const wrong = request(served, 'GET', '/api/v1.0/predictions');
    failure(wrong, 405, /use POST/);
    expect(wrong.headers['allow']).toBe('POST');
    failure(request(served, 'POST', '/api/v0.1/feedback', {}), 404, /no such URL.*POST \/api\/v1\.0\/predictions/);
  });
});
