import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Served } from '../src/served.js';
import { sklearnPredictions } from './helpers.js';
import { answeredClass, exampleBody, exampleFiles, STANDARD_URL } from './example-requests.js';
import { call, sklearnModels, type SklearnModels } from './in-process.js';

/** Every example request in events/ at its protocol's URL and on `/` (test/e2e repeats this over HTTP). */
let models: SklearnModels;
let served: Served;
const preds = sklearnPredictions();

beforeAll(async () => {
  models = await sklearnModels();
  served = await models.start({ DEFAULT_MODEL: 'mlp' });
});
afterAll(async () => models.remove());

describe('events/', () => {
  it('has a request per protocol, each mapped to its standard URL', () => {
    expect(exampleFiles()).toEqual(Object.keys(STANDARD_URL).sort());
    expect(new Set(Object.values(STANDARD_URL).map((u) => u.split('/')[1]))).toEqual(new Set(['v2', 'api', 'predict', '']));
  });

  it.each(Object.entries(STANDARD_URL))("%s at %s answers as on / with scikit-learn's class for row 23", (file, url) => {
    const post = (path: string) => call(served, { method: 'POST', path, query: {}, contentType: 'application/json' }, exampleBody(file));
    const atUrl = post(url);
    expect(atUrl.statusCode, JSON.stringify(atUrl.body).slice(0, 200)).toBe(200);
    expect(post('/').body).toEqual(atUrl.body);
    expect(answeredClass(atUrl.body)).toBe(preds.mlp.pred_norm[preds.keys.indexOf('23')]);
  });
});
