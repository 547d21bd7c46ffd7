import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Served } from '../src/served.js';
import type { HttpResponse } from '../src/vendor/core/index.js';
import { sklearnPredictions, testData, testJson } from './helpers.js';
import { call, json, request, sklearnModels, type Body, type SklearnModels } from './in-process.js';
import * as spec from './spec/open-inference.js';

/**
 * Open Inference Protocol v2 at its standard URLs, checked against the specification
 * (kserve/open-inference-protocol inference_rest.md + open_inference_rest.yaml; KServe
 * docs/predict-api/v2/required_api.md), with scikit-learn's own predictions as the expected answers.
 */
let models: SklearnModels;
let served: Served;
const preds = sklearnPredictions();
const table = testData();
const at = (i: number): number => preds.keys.indexOf(table.ids[i]!);

beforeAll(async () => {
  models = await sklearnModels();
  served = await models.start({ DATASET_URL: `file://${testJson}` });
});
afterAll(async () => models.remove());

const loaded = (name: string) => served.byName.get(name)!;
const features = (): readonly string[] => loaded('lda').model.featureNames;
const values = (i: number): number[] => features().map((n) => Number(table.rows[i]![table.columns.indexOf(n)]));
const send = (method: string, url: string, body?: unknown): HttpResponse => request(served, method, url, body);
const infer = (model: string, body: unknown, version?: string): HttpResponse =>
  send('POST', `/v2/models/${model}${version === undefined ? '' : `/versions/${version}`}/infer`, body);
const tensor = (rows: number[], datatype = 'FP64', map: (v: number) => unknown = (v) => v) => ({
  name: 'input-0',
  shape: [rows.length, features().length],
  datatype,
  data: rows.flatMap((i) => values(i).map(map)),
});

/** A failure as the spec describes it: the status, and a body that is `{"error": <string>}`. */
function expectError(res: HttpResponse, status: number, message: RegExp): void {
  expect(res.statusCode).toBe(status);
  expect(spec.errorResponse.parse(res.body).error).toMatch(message);
}

describe('health (required_api.md "Health": 200 is true)', () => {
  it('GET /v2/health/live and /v2/health/ready answer 200', () => {
    const live = send('GET', '/v2/health/live');
    expect(live.statusCode).toBe(200);
    expect(spec.liveServerResponse.parse(live.body).live).toBe(true);
    const ready = send('GET', '/v2/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(spec.readyServerResponse.parse(ready.body).ready).toBe(true);
  });

  it('GET /v2/models/{name}[/versions/{v}]/ready answers 200 for a served model, 404 for an unknown name or version', () => {
    const version = loaded('mlp').version;
    for (const url of ['/v2/models/mlp/ready', `/v2/models/mlp/versions/${version}/ready`]) {
      const res = send('GET', url);
      expect(res.statusCode, url).toBe(200);
      expect(spec.readyModelResponse.parse(res.body)).toEqual({ name: 'mlp', ready: true });
    }
    expectError(send('GET', '/v2/models/nope/ready'), 404, /no model named "nope"/);
    expectError(send('GET', '/v2/models/mlp/versions/000000000000/ready'), 404, /no version "000000000000"/);
  });
});

describe('server metadata (GET /v2)', () => {
  it('is a $metadata_server_response, also at /v2/ as the OpenAPI document spells it', () => {
    for (const url of ['/v2', '/v2/']) {
      const res = send('GET', url);
      expect(res.statusCode).toBe(200);
      const body = spec.metadataServerResponse.parse(res.body);
      expect(body.name).toBe('score');
    }
  });
});

describe('model metadata (GET /v2/models/{name}[/versions/{version}])', () => {
  it("describes the loaded model's real tensors: feature count, class count, version", () => {
    for (const name of ['lda', 'mlp']) {
      const m = loaded(name);
      for (const url of [`/v2/models/${name}`, `/v2/models/${name}/versions/${m.version}`]) {
        const res = send('GET', url);
        expect(res.statusCode, url).toBe(200);
        const body = spec.metadataModelResponse.parse(res.body);
        expect(body.name).toBe(name);
        expect(body.versions).toEqual([m.version]);
        expect(body.inputs).toEqual([expect.objectContaining({ name: 'input-0', datatype: 'FP64', shape: [-1, m.model.featureNames.length] })]);
        expect(body.outputs).toEqual([
          expect.objectContaining({ name: 'predict', datatype: 'INT64', shape: [-1] }),
          expect.objectContaining({ name: 'predict_proba', datatype: 'FP64', shape: [-1, m.model.classes.length] }),
        ]);
        expect(json(res).inputs[0].parameters.feature_names).toEqual(m.model.featureNames);
      }
    }
  });

  it('answers an unknown model or version with 404 and the spec error object', () => {
    expectError(send('GET', '/v2/models/nope'), 404, /no model named "nope"/);
    expectError(send('GET', '/v2/models/lda/versions/1'), 404, /no version "1"/);
  });
});

describe('inference (POST /v2/models/{name}[/versions/{version}]/infer)', () => {
  it('answers an $inference_response with the request id and every output when none is named', () => {
    const rows = [3, 900, 1200];
    const res = infer('mlp', { id: '42', inputs: [tensor(rows)] });
    expect(res.statusCode).toBe(200);
    const body = spec.inferenceResponse.parse(res.body);
    expect(body).toMatchObject({ model_name: 'mlp', model_version: loaded('mlp').version, id: '42' });
    expect(body.outputs.map((o) => o.name)).toEqual(['predict', 'predict_proba']);
    const [predict, proba] = body.outputs;
    expect(predict).toMatchObject({ shape: [3], datatype: 'INT64', data: rows.map((i) => preds.mlp.pred_norm[at(i)]) });
    expect(proba).toMatchObject({ shape: [3, 26], datatype: 'FP64' });
    rows.forEach((i, r) => preds.mlp.proba_norm[at(i)]!.forEach((p, c) => expect(Math.abs((proba!.data[r * 26 + c] as number) - p)).toBeLessThan(1e-6)));
  });

  it('answers the same with the version in the path, and 404 for another version or an unknown model', () => {
    const body = { inputs: [tensor([5])] };
    const plain = json(infer('lda', body));
    expect(json(infer('lda', body, loaded('lda').version))).toEqual(plain);
    expectError(infer('lda', body, 'v10'), 404, /no version "v10"/);
    expectError(infer('nope', body), 404, /no model named "nope"/);
  });

  it('returns only the outputs asked for, in the order asked', () => {
    const only = json(infer('lda', { inputs: [tensor([7])], outputs: [{ name: 'predict_proba' }] }));
    expect(only.outputs.map((o: Body) => o.name)).toEqual(['predict_proba']);
    const both = json(infer('lda', { inputs: [tensor([7])], outputs: [{ name: 'predict_proba' }, { name: 'predict' }] }));
    expect(both.outputs.map((o: Body) => o.name)).toEqual(['predict_proba', 'predict']);
    expectError(infer('lda', { inputs: [tensor([7])], outputs: [{ name: 'logits' }] }), 400, /unknown output "logits"/);
  });

  it('accepts $parameters on the request, each input and each output (server-specific, answer unchanged)', () => {
    const plain = json(infer('mlp', { inputs: [tensor([11])], outputs: [{ name: 'predict' }] }));
    const withParameters = infer('mlp', {
      parameters: { priority: 1, trace: true, tag: 'x' },
      inputs: [{ ...tensor([11]), parameters: { content_type: 'np' } }],
      outputs: [{ name: 'predict', parameters: { binary_data: false } }],
    });
    expect(withParameters.statusCode).toBe(200);
    expect(json(withParameters).outputs).toEqual(plain.outputs);
  });

  it('takes row-major data flat or nested as the shape ("Tensor Data")', () => {
    const flat = tensor([1, 2]);
    const nested = { ...flat, data: [values(1), values(2)] };
    expect(json(infer('lda', { inputs: [nested] })).outputs).toEqual(json(infer('lda', { inputs: [flat] })).outputs);
    expect(json(infer('lda', { inputs: [{ ...flat, shape: [160], data: values(1) }] })).outputs[0].data).toEqual([preds.lda.pred_norm[at(1)]]);
  });

  it('takes one [n] tensor per feature, named by the feature, in any order (BYTES numeric strings)', () => {
    const inputs = [...features()].reverse().map((n) => ({ name: n, shape: [2], datatype: 'BYTES', data: [50, 51].map((i) => table.rows[i]![table.columns.indexOf(n)]) }));
    const res = infer('lda', { inputs });
    expect(res.statusCode).toBe(200);
    expect(json(res).outputs[0].data).toEqual([preds.lda.pred_norm[at(50)], preds.lda.pred_norm[at(51)]]);
  });

  describe('datatypes ("Tensor Data Types")', () => {
    const ints = (v: number) => Math.round(v * 100);
    it.each(['INT16', 'INT32', 'INT64', 'UINT16', 'UINT32', 'UINT64', 'FP64', 'FP16'])('%s integer data answers as the same values in FP64', (datatype) => {
      // Feature values scaled to integers (within INT16/UINT16 range: the features lie in [0, 150)).
      const scaled = (rows: number[]) => ({ ...tensor(rows, 'FP64', ints) });
      const reference = json(infer('mlp', { inputs: [scaled([4, 5])] })).outputs;
      const res = infer('mlp', { inputs: [{ ...scaled([4, 5]), datatype }] });
      expect(res.statusCode).toBe(200);
      expect(json(res).outputs).toEqual(reference);
    });

    it('INT8 / UINT8 take small integers; BOOL takes true/false as 1/0', () => {
      const small = (datatype: string, map: (i: number) => unknown) => ({ name: 'x', shape: [1, 160], datatype, data: features().map((_, i) => map(i)) });
      const as64 = json(infer('lda', { inputs: [small('FP64', (i) => i % 2)] })).outputs;
      expect(json(infer('lda', { inputs: [small('INT8', (i) => i % 2)] })).outputs).toEqual(as64);
      expect(json(infer('lda', { inputs: [small('UINT8', (i) => i % 2)] })).outputs).toEqual(as64);
      expect(json(infer('lda', { inputs: [small('BOOL', (i) => i % 2 === 1)] })).outputs).toEqual(as64);
    });

    it('FP32 data is read at single precision', () => {
      const res = infer('lda', { inputs: [tensor([9, 10], 'FP32')] });
      expect(res.statusCode).toBe(200);
      const at32 = json(infer('lda', { inputs: [tensor([9, 10], 'FP64', Math.fround)] }));
      expect(json(res).outputs).toEqual(at32.outputs);
    });

    it.each([
      ['INT32', 1.5, /INT32 data must be integers/],
      ['INT8', 128, /INT8 data must be integers in \[-128, 127\]/],
      ['UINT8', -1, /UINT8 data must be integers in \[0, 255\]/],
      ['UINT16', 65536, /UINT16 data must be integers/],
      ['INT64', 2 ** 60, /INT64 data must be integers/],
      ['BOOL', 1, /BOOL data must be true or false/],
      ['FP32', '1', /FP32 data must be finite numbers/],
      ['FP64', true, /FP64 data must be finite numbers/],
      ['BYTES', 1, /BYTES data must be strings/],
    ] as const)('refuses a %s tensor holding %j with 400', (datatype, bad, message) => {
      const data: unknown[] = new Array(160).fill(datatype === 'BOOL' ? false : datatype === 'BYTES' ? '1' : 1);
      data[17] = bad;
      expectError(infer('lda', { inputs: [{ name: 'x', shape: [1, 160], datatype, data }] }), 400, message);
    });

    it('refuses a datatype the spec does not define', () => {
      expectError(infer('lda', { inputs: [{ name: 'x', shape: [1, 160], datatype: 'FLOAT', data: new Array(160).fill(1) }] }), 400, /datatype/);
    });
  });

  it.each([
    ['a shape that does not match the data', { inputs: [{ name: 'x', shape: [2, 160], datatype: 'FP64', data: [1, 2] }] }, /needs 320 values/],
    ['ragged nested data', { inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP64', data: [[1, 2, 3], [4]] }] }, /does not follow shape/],
    ['data nested deeper than the shape', { inputs: [{ name: 'x', shape: [4], datatype: 'FP64', data: [[1, 2], [3, 4]] }] }, /does not follow shape|deeper/],
    ['a row of the wrong width', { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP64', data: [1, 2, 3] }] }, /160 features/],
    ['a negative dimension', { inputs: [{ name: 'x', shape: [-1, 160], datatype: 'FP64', data: [] }] }, /shape/],
    ['no inputs', { inputs: [] }, /inputs/],
    ['no inputs field', { id: '1' }, /inputs/],
    ['missing per-feature inputs', { inputs: [{ name: 'Cz/theta', shape: [1], datatype: 'FP64', data: [1] }, { name: 'Cz/alpha', shape: [1], datatype: 'FP64', data: [1] }] }, /lack 158/],
    ['a non-string id', { id: 42, inputs: [{ name: 'x', shape: [1, 160], datatype: 'FP64', data: new Array(160).fill(1) }] }, /id/],
  ] as const)('answers %s with 400 {"error"}', (_, body, message) => {
    expectError(infer('lda', body), 400, message);
  });

  it('answers a body that is not JSON with 400 {"error"}', () => {
    expectError(infer('lda', Buffer.from('{"inputs": [')), 400, /not valid JSON/);
    expectError(infer('lda', undefined), 400, /no body/);
  });
});

describe('URLs under /v2 that do not exist', () => {
  it('answers an unknown path with 404 {"error"} listing the URLs, and a wrong method with 405 + Allow', () => {
    const res = send('GET', '/v2/repository/index');
    expectError(res, 404, /no such URL: GET \/v2\/repository\/index.*POST \/v2\/models\/\{model\}\/infer/);
    const wrong = send('GET', '/v2/models/lda/infer');
    expectError(wrong, 405, /use POST/);
    expect(wrong.headers['allow']).toBe('POST');
    // Paths are case-sensitive ("All strings in all contexts are case-sensitive").
    expectError(send('GET', '/V2/health/live'), 404, /no such URL/);
  });
});

describe("Triton's binary tensor data extension (server docs/protocol/extension_binary_data.md)", () => {
  /** A request as Triton's HTTP client sends it: JSON header, then each binary input's bytes. */
  function binary(json: unknown, ...tensors: Buffer[]): HttpResponse {
    const header = Buffer.from(JSON.stringify(json));
    return call(
      served,
      { method: 'POST', path: '/v2/models/lda/infer', query: {}, contentType: 'application/octet-stream', headers: { 'inference-header-content-length': String(header.length) } },
      Buffer.concat([header, ...tensors]),
    );
  }
  const le = (values: number[], size: number, write: (b: Buffer, v: number, at: number) => void): Buffer => {
    const b = Buffer.alloc(values.length * size);
    values.forEach((v, i) => write(b, v, i * size));
    return b;
  };
  const input = (datatype: string, bytes: Buffer, shape = [2, 160]) => ({ name: 'input-0', shape, datatype, parameters: { binary_data_size: bytes.length } });
  const rows = [30, 31];
  const flat = () => rows.flatMap((i) => values(i));

  it('reads FP32, FP64 and INT64 inputs as the same tensors sent as JSON', () => {
    const f32 = le(flat(), 4, (b, v, at) => b.writeFloatLE(v, at));
    expect(json(binary({ inputs: [input('FP32', f32)] }, f32)).outputs).toEqual(json(infer('lda', { inputs: [tensor(rows, 'FP32')] })).outputs);
    const f64 = le(flat(), 8, (b, v, at) => b.writeDoubleLE(v, at));
    expect(json(binary({ id: 'b', inputs: [input('FP64', f64)] }, f64))).toEqual(json(infer('lda', { id: 'b', inputs: [tensor(rows)] })));
    const ints = flat().map((v) => Math.round(v * 100));
    const i64 = le(ints, 8, (b, v, at) => b.writeBigInt64LE(BigInt(v), at));
    expect(json(binary({ inputs: [input('INT64', i64)] }, i64)).outputs).toEqual(json(infer('lda', { inputs: [{ ...tensor(rows), data: ints }] })).outputs);
  });

  it('reads BOOL as one byte, FP16 as half precision, BYTES as length-prefixed strings', () => {
    const bits = features().map((_, i) => i % 2);
    const asJson = json(infer('lda', { inputs: [{ name: 'x', shape: [1, 160], datatype: 'FP64', data: bits }] })).outputs;
    expect(json(binary({ inputs: [input('BOOL', Buffer.from(bits), [1, 160])] }, Buffer.from(bits))).outputs).toEqual(asJson);
    // 0x3c00 is 1.0 and 0x0000 is 0.0 in IEEE 754 half precision.
    const f16 = le(bits.map((b) => (b ? 0x3c00 : 0)), 2, (b, v, at) => b.writeUInt16LE(v, at));
    expect(json(binary({ inputs: [input('FP16', f16, [1, 160])] }, f16)).outputs).toEqual(asJson);
    const strings = Buffer.concat(bits.map((b) => Buffer.concat([le([1], 4, (buf, v, at) => buf.writeUInt32LE(v, at)), Buffer.from(String(b))])));
    expect(json(binary({ inputs: [input('BYTES', strings, [1, 160])] }, strings)).outputs).toEqual(asJson);
  });

  it('returns the outputs asked for with binary_data (or all, with binary_data_output) after the JSON', () => {
    const f64 = le(flat(), 8, (b, v, at) => b.writeDoubleLE(v, at));
    const reference = json(infer('lda', { inputs: [tensor(rows)] })).outputs;
    for (const request of [
      { inputs: [input('FP64', f64)], outputs: [{ name: 'predict', parameters: { binary_data: true } }, { name: 'predict_proba', parameters: { binary_data: true } }] },
      { parameters: { binary_data_output: true }, inputs: [input('FP64', f64)] },
    ]) {
      const res = binary(request, f64);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/octet-stream');
      const body = res.body as Buffer;
      const headerLength = Number(res.headers['inference-header-content-length']);
      const header = JSON.parse(body.toString('utf8', 0, headerLength));
      const [predict, proba] = header.outputs;
      expect(predict).toMatchObject({ name: 'predict', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } });
      expect(proba).toMatchObject({ name: 'predict_proba', datatype: 'FP64', shape: [2, 26], parameters: { binary_data_size: 2 * 26 * 8 } });
      expect(predict.data).toBeUndefined();
      const at = headerLength;
      expect([0, 1].map((i) => Number(body.readBigInt64LE(at + i * 8)))).toEqual(reference[0].data);
      expect(Array.from({ length: 52 }, (_, i) => body.readDoubleLE(at + 16 + i * 8))).toEqual(reference[1].data);
      expect(body.length).toBe(headerLength + 16 + 52 * 8);
    }
  });

  it.each([
    ['fewer bytes than announced', () => binary({ inputs: [input('FP64', Buffer.alloc(2 * 160 * 8))] }, Buffer.alloc(100)), /announced/],
    ['bytes after the last input', () => binary({ inputs: [input('FP32', Buffer.alloc(2 * 160 * 4))] }, Buffer.alloc(2 * 160 * 4), Buffer.alloc(3)), /after the last binary input/],
    ['a size that is not whole elements', () => binary({ inputs: [input('FP32', Buffer.alloc(6), [1, 2])] }, Buffer.alloc(6)), /whole number of FP32/],
    ['a cut-off BYTES element', () => binary({ inputs: [input('BYTES', Buffer.from([5, 0, 0, 0, 49]), [1, 1])] }, Buffer.from([5, 0, 0, 0, 49])), /runs past/],
    [
      'a header length past the body',
      () =>
        call(served, { method: 'POST', path: '/v2/models/lda/infer', query: {}, contentType: 'application/octet-stream', headers: { 'inference-header-content-length': '99999' } }, Buffer.from('{}')),
      /not a length within/,
    ],
  ] as const)('refuses %s with 400 {"error"}', (_, send, message) => {
    expectError(send(), 400, message);
  });
});
