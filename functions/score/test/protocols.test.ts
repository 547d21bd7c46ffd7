import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CloudEvent } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { RESPONSE_TYPE } from '../src/protocols/cloudevent.js';
import type { Served } from '../src/served.js';
import { invoke, startService, StartupError } from '../src/service.js';
import { ConfigError, type HttpResponse } from '../src/vendor/core/index.js';
import { sklearnPredictions, testCsv, testData, testJson } from './helpers.js';
import { call, json, quiet, sklearnModels, type Body, type SklearnModels } from './in-process.js';

/** Every protocol on `/` (the URL that answers by the request's shape), in process. */
let models: SklearnModels;
let dir: string;
let served: Served;
let single: Served;
let noData: Served;

const preds = sklearnPredictions();
const table = testData();
const row = (i: number): Record<string, string> => Object.fromEntries(table.columns.map((c, j) => [c, table.rows[i]![j]!]));
const at = (key: string): number => preds.keys.indexOf(key);
const expectedAccuracy = (kind: 'lda' | 'mlp'): number => preds[kind].pred_norm.filter((p, i) => p === preds.y_true[i]).length / preds.keys.length;

const post = (body: unknown, query: Record<string, string> = {}, s = served): HttpResponse => call(s, { method: 'POST', query, contentType: 'application/json' }, body);
const get = (query: Record<string, unknown>, s = served): HttpResponse => call(s, { method: 'GET', query });

beforeAll(async () => {
  models = await sklearnModels();
  dir = models.dir;
  served = await models.start({ DATASET_URL: `file://${testJson}`, MAX_ROWS: '2000' });
  single = await startService(readConfig({ MODEL_URL: `file://${dir}/mlp.json`, DATASET_URL: testCsv }), quiet);
  noData = await startService(readConfig({ MODEL_URL: `${dir}/lda.json,${dir}/mlp.json`, DEFAULT_MODEL: 'lda', MAX_ROWS: '3' }), quiet);
});
afterAll(async () => models.remove());

describe('configuration and start', () => {
  it('lists every configuration problem', () => {
    expect(() => readConfig({ MAX_ROWS: '0', DATASET_URL: 'ftp://x/y' })).toThrow(ConfigError);
    try {
      readConfig({ MAX_ROWS: '0', DATASET_URL: 'ftp://x/y' });
    } catch (error) {
      const text = (error as ConfigError).problems.join('\n');
      expect(text).toMatch(/MODEL_URL/);
      expect(text).toMatch(/MAX_ROWS/);
      expect(text).toMatch(/DATASET_URL/);
    }
  });

  it('refuses to start when the dataset lacks a model feature, or DEFAULT_MODEL is unknown', async () => {
    const csv = path.join(dir, 'few-columns.csv');
    await writeFile(csv, 'Line,# Letter, Cz/theta\n0,0,1.5\n');
    await expect(startService(readConfig({ MODEL_URL: `${dir}/lda.json`, DATASET_URL: csv }), quiet)).rejects.toThrow(StartupError);
    await expect(startService(readConfig({ MODEL_URL: `${dir}/lda.json`, DEFAULT_MODEL: 'nope' }), quiet)).rejects.toThrow(/DEFAULT_MODEL/);
  });
});

describe('rows keyed by feature name', () => {
  it('answers a test.json row (string numbers) with every model, as scikit-learn does', () => {
    const res = post(row(23));
    expect(res.statusCode).toBe(200);
    const r = json(res).rows[0];
    expect(r.id).toBe('23');
    expect(r.label).toBe(preds.y_true[at('23')]);
    expect(r.predictions.lda.class).toBe(preds.lda.pred_norm[at('23')]);
    expect(r.predictions.mlp.class).toBe(preds.mlp.pred_norm[at('23')]);
    expect(r.predictions.mlp.className).toBe(String.fromCharCode(65 + r.predictions.mlp.class));
  });

  it('matches columns by trimmed name in any order', () => {
    const entries = Object.entries(row(700)).reverse().map(([k, v]) => [` ${k}  `, Number(v)]);
    const r = json(post(Object.fromEntries(entries), { model: 'lda' })).rows[0];
    expect(Object.keys(r.predictions)).toEqual(['lda']);
    expect(r.predictions.lda.class).toBe(preds.lda.pred_norm[at('700')]);
  });

  it("scores all of test.json posted at once: each model's accuracy equals scikit-learn's", () => {
    const all = Object.fromEntries(table.ids.map((id, i) => [id, row(i)]));
    const body = json(post(all));
    expect(body.rows).toHaveLength(1300);
    expect(body.accuracy.lda).toBeCloseTo(expectedAccuracy('lda'), 12);
    expect(body.accuracy.mlp).toBeCloseTo(expectedAccuracy('mlp'), 12);
  });

  it('accepts CSV with the article header (leading spaces)', () => {
    const csv = ['Line,# Letter,' + table.columns.slice(2).map((c) => ` ${c}`).join(','), ...[5, 6].map((i) => table.rows[i]!.join(','))].join('\n');
    const res = call(served, { method: 'POST', query: {}, contentType: 'text/csv' }, Buffer.from(csv));
    expect(res.statusCode).toBe(200);
    expect(json(res).rows.map((r: Body) => r.predictions.lda.class)).toEqual([5, 6].map((i) => preds.lda.pred_norm[at(table.ids[i]!)]));
  });

  it.each([
    ['a missing feature', (): unknown => { const r = row(1); delete r['Oz/gamma']; return r; }, 400, 'missing_features'],
    ['a value that is no number', (): unknown => ({ ...row(1), 'Cz/theta': 'abc' }), 400, 'not_a_number'],
    ['an empty string value', (): unknown => ({ ...row(1), 'Cz/theta': ' ' }), 400, 'not_a_number'],
    ['a list of numbers', (): unknown => [1, 2, 3], 400, 'unrecognised_request'],
    ['invalid JSON text', (): unknown => '{"Cz/theta": ', 400, 'bad_json'],
    ['an empty body', (): unknown => '', 400, 'empty_body'],
  ] as const)('answers %s with a clear 400', (_, body, status, code) => {
    const res = post(body());
    expect(res.statusCode).toBe(status);
    expect(json(res).error.code).toBe(code);
    expect(json(res).error.retryable).toBe(false);
  });

  it('refuses an unknown model with 404 and too many rows with 413', () => {
    expect(post(row(1), { model: 'nope' }).statusCode).toBe(404);
    const res = post([row(1), row(2), row(3), row(4)], {}, noData);
    expect(res.statusCode).toBe(413);
    expect(json(res).error.code).toBe('too_many_rows');
  });
});

describe('Seldon Core v1', () => {
  const names = table.columns.slice(2);
  const values = (i: number): number[] => names.map((n) => Number(row(i)[n]));

  it('answers ndarray with class probabilities named by class, as scikit-learn computes them', () => {
    const shuffled = [...names].reverse();
    const res = post({ data: { names: shuffled, ndarray: [10, 400].map((i) => shuffled.map((n) => Number(row(i)[n]))) } }, { model: 'mlp' });
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body.data.names).toEqual([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ']);
    [10, 400].forEach((i, r) => {
      const want = preds.mlp.proba_norm[at(table.ids[i]!)]!;
      body.data.ndarray[r].forEach((p: number, c: number) => expect(Math.abs(p - want[c]!)).toBeLessThan(1e-6));
    });
    expect(body.meta.requestPath.mlp).toMatch(/^[0-9a-f]{12}$/);
  });

  it('answers a tensor with a tensor, positional columns, default model', () => {
    const res = post({ data: { tensor: { shape: [2, 160], values: [...values(0), ...values(1299)] } } }, {}, noData);
    const body = json(res);
    expect(res.statusCode).toBe(200);
    expect(body.data.tensor.shape).toEqual([2, 26]);
    const best = (r: number): number => {
      const p = body.data.tensor.values.slice(r * 26, r * 26 + 26) as number[];
      return p.indexOf(Math.max(...p));
    };
    expect([best(0), best(1)]).toEqual([preds.lda.pred_norm[at('0')], preds.lda.pred_norm[at('1299')]]);
  });

  it.each([
    ['no model chosen while several are served', {}, {}, /several models/],
    ['a row of the wrong width', { data: { ndarray: [[1, 2, 3]] } }, { model: 'lda' }, /160 features/],
    ['both ndarray and tensor', { data: { ndarray: [[1]], tensor: { shape: [1, 1], values: [1] } } }, { model: 'lda' }, /exactly one/],
    ['a tensor whose shape and values disagree', { data: { tensor: { shape: [2, 160], values: [1, 2] } } }, { model: 'lda' }, /needs 320 values/],
    ['strData', { strData: 'hello' }, { model: 'lda' }, /not strData/],
  ] as const)('answers %s with a 400 in Seldon status form', (_, body, query, message) => {
    const request = Object.keys(body).length ? body : { data: { ndarray: [values(0)] } };
    const res = post(request, query as Record<string, string>);
    expect(res.statusCode).toBe(400);
    const status = json(res).status;
    expect(status).toMatchObject({ code: 400, reason: 'MICROSERVICE_BAD_DATA', status: 'FAILURE' });
    expect(status.info).toMatch(message);
  });
});

describe('Open Inference Protocol v2', () => {
  const names = table.columns.slice(2);

  it('answers predict and predict_proba for an [n, 160] input', () => {
    const rows = [3, 900, 1200];
    const data = rows.map((i) => names.map((n) => Number(row(i)[n])));
    const res = post({ id: 'r1', inputs: [{ name: 'input-0', shape: [3, 160], datatype: 'FP64', data }], outputs: [{ name: 'predict' }, { name: 'predict_proba' }] }, { model: 'mlp' });
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body).toMatchObject({ model_name: 'mlp', id: 'r1' });
    const [predict, proba] = body.outputs;
    expect(predict).toMatchObject({ name: 'predict', shape: [3], datatype: 'INT64' });
    expect(predict.data).toEqual(rows.map((i) => preds.mlp.pred_norm[at(table.ids[i]!)]));
    expect(proba).toMatchObject({ name: 'predict_proba', shape: [3, 26], datatype: 'FP64' });
    expect(Math.abs(proba.data[26] - preds.mlp.proba_norm[at('900')]![0]!)).toBeLessThan(1e-6);
  });

  it('accepts one input per feature, matched by name (every output when none is asked for)', () => {
    const inputs = [...names].reverse().map((n) => ({ name: n, shape: [2], datatype: 'BYTES', data: [row(50)[n], row(51)[n]] }));
    const res = post({ inputs }, { model: 'lda' });
    expect(res.statusCode).toBe(200);
    expect(json(res).outputs.map((o: Body) => o.name)).toEqual(['predict', 'predict_proba']);
    expect(json(res).outputs[0].data).toEqual([preds.lda.pred_norm[at('50')], preds.lda.pred_norm[at('51')]]);
  });

  it('serves model metadata on GET /?model=NAME and server metadata on GET /', () => {
    const meta = json(get({ model: 'lda' }));
    expect(meta).toMatchObject({ name: 'lda', platform: 'bucket-ml-lda' });
    expect(meta.inputs[0].shape).toEqual([-1, 160]);
    expect(meta.inputs[0].parameters.feature_names).toEqual(names);
    expect(meta.parameters.training.origin).toBe('sklearn');
    const server = json(get({}));
    expect(server.models.map((m: Body) => m.name)).toEqual(['lda', 'mlp']);
    expect(get({ model: 'nope' }).statusCode).toBe(404);
    expect(json(get({ model: 'nope' })).error).toMatch(/no model named/);
  });

  it.each([
    ['an unknown output', { inputs: [{ name: 'x', shape: [1, 160], datatype: 'FP64', data: new Array(160).fill(1) }], outputs: [{ name: 'logits' }] }, /unknown output/],
    ['a shape that does not match the data', { inputs: [{ name: 'x', shape: [2, 160], datatype: 'FP64', data: [1, 2] }] }, /needs 320 values/],
    ['strings in an FP64 tensor', { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP64', data: ['1', '2'] }] }, /must be finite numbers/],
    ['an unknown datatype', { inputs: [{ name: 'x', shape: [1], datatype: 'FLOAT', data: [1] }] }, /datatype/],
    ['a wrong width', { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP64', data: [1, 2, 3] }] }, /160 features/],
    ['missing per-feature inputs', { inputs: [{ name: 'Cz/theta', shape: [1], datatype: 'FP64', data: [1] }, { name: 'Cz/alpha', shape: [1], datatype: 'FP64', data: [1] }] }, /lack 158/],
  ] as const)('answers %s with a 400 {"error"}', (_, body, message) => {
    const res = post(body, { model: 'lda' });
    expect(res.statusCode).toBe(400);
    expect(json(res).error).toMatch(message);
  });
});

describe('classic operations against DATASET_URL', () => {
  it('?line=N returns the row', () => {
    const body = json(get({ line: '23' }));
    expect(body.line).toBe(23);
    expect(body.values['Cz/theta']).toBe(Number(row(23)['Cz/theta']));
  });

  it("?prediction=N gives every model's class for the row, with the training preprocessing", () => {
    const body = json(get({ prediction: '23' }));
    expect(body.label).toBe(preds.y_true[at('23')]);
    expect(body.predictions.lda.class).toBe(preds.lda.pred_norm[at('23')]);
    expect(body.predictions.mlp.class).toBe(preds.mlp.pred_norm[at('23')]);
  });

  it("?score gives every model's accuracy: scikit-learn's, not the article's skewed one", () => {
    const body = json(get({ score: '' }));
    expect(body.rows).toBe(1300);
    expect(body.accuracy.lda).toBeCloseTo(expectedAccuracy('lda'), 12);
    expect(body.accuracy.mlp).toBeCloseTo(expectedAccuracy('mlp'), 12);
    // A CSV dataset gives the same answer.
    expect(json(get({ score: '' }, single)).accuracy.mlp).toBeCloseTo(expectedAccuracy('mlp'), 12);
  });

  it.each([
    ['a row number that is not one', { line: 'abc' }, false, 'bad_row'],
    ['a row past the end', { prediction: '1300' }, false, 'row_out_of_range'],
    ['two operations at once', { line: '1', score: '' }, false, 'bad_query'],
    ['a repeated parameter', { line: ['1', '2'] }, false, 'bad_query'],
    ['no dataset configured', { score: '' }, true, 'no_dataset'],
  ] as const)('answers %s with a clear 400', (_, query, withoutData, code) => {
    // The servers exist only once beforeAll ran: pick one by flag, not by a captured value.
    const res = get(query, withoutData ? noData : served);
    expect(res.statusCode).toBe(400);
    expect(json(res).error.code).toBe(code);
  });
});

describe('CloudEvents', () => {
  const event = (data: unknown, extra: Record<string, unknown> = {}): CloudEvent<unknown> =>
    new CloudEvent<unknown>({ type: 'dev.example.score.request', source: '/test', id: 'req-1', datacontenttype: 'application/json', data, ...extra });

  it('answers a CloudEvent with a CloudEvent carrying the response', () => {
    const out = invoke(served, { method: 'POST', query: {}, cloudevent: event(row(23), { model: 'mlp' }) }, undefined);
    expect(out).toBeInstanceOf(CloudEvent);
    const ce = out as CloudEvent<Body>;
    expect(ce.type).toBe(RESPONSE_TYPE);
    expect(ce['requestid']).toBe('req-1');
    expect(ce.data.rows[0].predictions.mlp.class).toBe(preds.mlp.pred_norm[at('23')]);
    expect(Object.keys(ce.data.rows[0].predictions)).toEqual(['mlp']);
  });

  it('answers a CloudEvent naming a model that is not served with 422, which Knative does not retry (it retries 404)', () => {
    const out = invoke(served, { method: 'POST', query: {}, cloudevent: event(row(23), { model: 'nope' }) }, undefined) as HttpResponse;
    expect(out.statusCode).toBe(422);
    expect((out.body as Body).error.code).toBe('unknown_model');
  });

  it('answers a CloudEvent it cannot serve with a plain 400 (permanent: not retried)', () => {
    const out = invoke(served, { method: 'POST', query: {}, cloudevent: event({ 'Cz/theta': 1 }) }, undefined) as HttpResponse;
    expect(out.statusCode).toBe(400);
    expect((out.body as Body).error.code).toBe('missing_features');
  });
});
