// The fast path of numeric inputs (src/protocols/dense-input.ts) against the checked path it skips:
// the same values, bit for bit, whatever the request's encoding, and the checked path's errors for
// everything the fast path declines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNumber } from '../src/dataset/table.js';
import { denseNumbers } from '../src/protocols/dense-input.js';
import type { Served } from '../src/served.js';
import { rawTestRows } from './helpers.js';
import { json, request, sklearnModels, type SklearnModels } from './in-process.js';

describe('denseNumbers', () => {
  it('reads flat and nested rows alike, FP32 at single precision', () => {
    const flat = [0.1, 2, -3.5, 1e-300, 5, 6];
    const nested = [[0.1, 2, -3.5], [1e-300, 5, 6]];
    expect(denseNumbers(flat, 2, 3, false)).toEqual(Float64Array.from(flat));
    expect(denseNumbers(nested, 2, 3, true)).toEqual(Float64Array.from(flat));
    expect(denseNumbers(flat, 2, 3, false, Math.fround)).toEqual(Float64Array.from(flat, Math.fround));
  });

  it('declines anything that is not plain finite numbers in the shape', () => {
    expect(denseNumbers(['1', 2], 1, 2, false)).toBeUndefined();
    expect(denseNumbers([1, 2, 3], 1, 2, false)).toBeUndefined();
    expect(denseNumbers([[1, 2]], 1, 2, false)).toBeUndefined(); // nesting where the shape has none
    expect(denseNumbers([[1, 2], [3]], 2, 2, true)).toBeUndefined();
    expect(denseNumbers([[1, 2], 3, 4], 2, 2, true)).toBeUndefined();
    expect(denseNumbers([1, Infinity], 1, 2, false)).toBeUndefined();
    expect(denseNumbers([1, null], 1, 2, false)).toBeUndefined();
  });
});

describe('parseNumber', () => {
  it('reads numbers and numeric text with whitespace, never blank text', () => {
    expect(parseNumber(' 0.51\n')).toBe(0.51);
    expect(parseNumber('0')).toBe(0);
    expect(parseNumber(' -0 ')).toBe(-0);
    expect(parseNumber('1e3')).toBe(1000);
    for (const blank of ['', ' ', '\t\n', '\u00a0']) expect(parseNumber(blank), JSON.stringify(blank)).toBeUndefined();
    for (const bad of ['1,5', 'Infinity', 'abc', '1 2']) expect(parseNumber(bad), bad).toBeUndefined();
  });
});

describe('every encoding of the same rows gets the same answer, bit for bit', () => {
  let models: SklearnModels;
  let served: Served;
  beforeAll(async () => {
    models = await sklearnModels();
    served = await models.start({ DEFAULT_MODEL: 'mlp' });
  });
  afterAll(() => models?.remove());

  it('Open Inference flat, nested, per-feature and BYTES; Seldon ndarray and tensor', () => {
    const features = served.named('mlp').model.featureNames;
    const f = features.length;
    const x = rawTestRows(features);
    const n = 9;
    const some = Array.from({ length: n }, (_, r) => Array.from(x.subarray(r * f, r * f + f)));
    const v2 = (input: object): number[] => json(request(served, 'POST', '/v2/models/mlp/infer', { inputs: [input], outputs: [{ name: 'predict_proba' }] })).outputs[0].data;
    const flat = v2({ name: 'input-0', shape: [n, f], datatype: 'FP64', data: some.flat() });
    expect(flat).toHaveLength(n * 26);
    // BYTES (numeric strings) takes the checked path; the fast path must agree with it exactly
    expect(v2({ name: 'input-0', shape: [n, f], datatype: 'BYTES', data: some.flat().map(String) })).toEqual(flat);
    expect(v2({ name: 'input-0', shape: [n, f], datatype: 'FP64', data: some })).toEqual(flat);
    const perFeature = json(
      request(served, 'POST', '/v2/models/mlp/infer', {
        inputs: features.map((name, c) => ({ name, shape: [n], datatype: 'FP64', data: some.map((row) => row[c]) })),
        outputs: [{ name: 'predict_proba' }],
      }),
    ).outputs[0].data;
    expect(perFeature).toEqual(flat);
    const ndarray = json(request(served, 'POST', '/api/v1.0/predictions', { data: { ndarray: some } })).data.ndarray;
    expect(ndarray.flat()).toEqual(flat);
    const tensor = json(request(served, 'POST', '/api/v1.0/predictions', { data: { tensor: { shape: [n, f], values: some.flat() } } })).data.tensor.values;
    expect(tensor).toEqual(flat);
    const strings = json(request(served, 'POST', '/api/v1.0/predictions', { data: { ndarray: some.map((row) => row.map(String)) } })).data.ndarray;
    expect(strings.flat()).toEqual(flat);
  });

  it('a declined input still gets the checked path’s error', () => {
    const features = served.named('mlp').model.featureNames;
    const res = request(served, 'POST', '/v2/models/mlp/infer', { inputs: [{ name: 'input-0', shape: [1, features.length], datatype: 'FP64', data: [...new Array(features.length - 1).fill(0.5), 'x'] }] });
    expect(res.statusCode).toBe(400);
    expect(json(res).error).toMatch(/FP64 data must be finite numbers; element 159 is "x"/);
  });
});
