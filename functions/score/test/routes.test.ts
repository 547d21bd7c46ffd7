import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { URLS } from '../src/protocols/router.js';
import { compilePattern, splitPath } from '../src/routing/path-pattern.js';
import type { Served } from '../src/served.js';
import { testJson } from './helpers.js';
import { json, request, sklearnModels, type SklearnModels } from './in-process.js';

/** The URL table: path patterns, the seed API's paths, GET /, and what answers a path that does not exist. */
let models: SklearnModels;
let served: Served;
let noData: Served;

beforeAll(async () => {
  models = await sklearnModels();
  served = await models.start({ DATASET_URL: `file://${testJson}` });
  noData = await models.start({ DEFAULT_MODEL: 'lda' });
});
afterAll(async () => models.remove());

describe('path patterns', () => {
  it('split a path into decoded segments, ignoring one trailing slash', () => {
    expect(splitPath('/')).toEqual([]);
    expect(splitPath('/v2/')).toEqual(['v2']);
    expect(splitPath('/v2/models/my%20model/infer')).toEqual(['v2', 'models', 'my model', 'infer']);
    expect(splitPath('/v2//models')).toBeUndefined();
    expect(splitPath('/bad%E0%A4%A')).toBeUndefined();
  });

  it('match literals exactly and capture {params}', () => {
    const p = compilePattern('/v2/models/{model}/versions/{version}/infer');
    expect(p.match(['v2', 'models', 'mlp', 'versions', '3', 'infer'])).toEqual({ model: 'mlp', version: '3' });
    expect(p.match(['v2', 'models', 'mlp', 'infer'])).toBeUndefined();
    expect(p.match(['v2', 'Models', 'mlp', 'versions', '3', 'infer'])).toBeUndefined();
    expect(compilePattern('/').match([])).toEqual({});
  });
});

describe("the seed API's URLs answer as its query operations", () => {
  const same = (path: string, query: string, s = served): void => {
    const a = request(s, 'GET', path);
    const b = request(s, 'GET', query);
    expect(a.statusCode, path).toBe(b.statusCode);
    expect(a.body, path).toEqual(b.body);
  };

  it('/line/{n}, /prediction/{n} (and ?model=), /score (and ?model=)', () => {
    for (const n of ['0', '23', '1299']) {
      same(`/line/${n}`, `/?line=${n}`);
      same(`/prediction/${n}`, `/?prediction=${n}`);
    }
    same('/prediction/23?model=lda', '/?prediction=23&model=lda');
    same('/score', '/?score');
    same('/score?model=mlp', '/?score&model=mlp');
    expect(json(request(served, 'GET', '/line/23')).line).toBe(23);
    expect(Object.keys(json(request(served, 'GET', '/score')).accuracy)).toEqual(['lda', 'mlp']);
  });

  it('and fail alike: a bad row, a row past the end, no dataset', () => {
    same('/line/abc', '/?line=abc');
    same('/prediction/1300', '/?prediction=1300');
    same('/score', '/?score', noData);
    expect(request(served, 'GET', '/line/abc').statusCode).toBe(400);
    expect(json(request(noData, 'GET', '/score')).error.code).toBe('no_dataset');
  });
});

describe('GET /', () => {
  it('describes the service: server metadata, models, dataset and every URL', () => {
    const res = request(served, 'GET', '/');
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body).toMatchObject({ name: 'score', default_model: null, dataset: { rows: 1300 } });
    expect(body.models.map((m: { name: string }) => m.name)).toEqual(['lda', 'mlp']);
    expect(Object.keys(body.urls)).toEqual(URLS);
    for (const url of ['GET /v2/health/ready', 'POST /v2/models/{model}/infer', 'POST /api/v1.0/predictions', 'POST /predict', 'GET /line/{n}', 'GET /prediction/{n}', 'GET /score']) {
      expect(body.urls[url]).toEqual(expect.any(String));
    }
  });
});

describe('a path that does not exist', () => {
  it('gets 404 listing every URL', () => {
    for (const path of ['/nope', '/line', '/line/1/2', '/v1/models/mlp:predict', '/x//y']) {
      const res = request(served, 'GET', path);
      expect(res.statusCode, path).toBe(404);
      expect(json(res).error).toMatchObject({ code: 'not_found', retryable: false, details: { urls: URLS } });
    }
  });

  it('a known path with the wrong method gets 405 and Allow', () => {
    const res = request(served, 'DELETE', '/score');
    expect(res.statusCode).toBe(405);
    expect(res.headers['allow']).toBe('GET');
    expect(json(res).error.code).toBe('method_not_allowed');
    expect(request(served, 'PUT', '/').headers['allow']).toBe('GET, POST');
    // HEAD is answered as GET (the runtime's fastify drops the body).
    expect(request(served, 'HEAD', '/v2/health/ready').statusCode).toBe(200);
  });
});
