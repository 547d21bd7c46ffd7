// loadClassifyConfig: the environment, checked once, every problem reported at once.
import { describe, expect, it } from 'vitest';
import { loadClassifyConfig } from '../src/config.ts';
import { ConfigError } from '../src/vendor/core/index.ts';

const MODEL_URL = 'file:///models/mobilenet_v1_0.75_224/model.json';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadClassifyConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    // the message lists every problem too (it is what the start-up log shows)
    for (const p of problems) expect((error as ConfigError).message).toContain(p);
    return problems;
  }
  throw new Error('expected a ConfigError');
}
const problemFor = (problems: string[], name: string): string | undefined => problems.find((p) => p.startsWith(`${name}:`));

describe('loadClassifyConfig', () => {
  it('MODEL_URL is required: a missing one is a ConfigError naming it', () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(1);
    expect(problemFor(problems, 'MODEL_URL')).toBeDefined();
  });

  // FAILS until the schema's own message reaches the user: loadConfig drops empty strings, so a
  // missing or empty MODEL_URL never reaches `.min(1, 'is required (…)')` (src/config.ts line 10) and
  // zod's generic "Invalid input: expected string, received undefined" is reported instead.
  it('a missing MODEL_URL is explained (where model.json is), not just "expected string"', () => {
    for (const env of [{}, { MODEL_URL: '' }]) {
      const problem = problemFor(problemsOf(env), 'MODEL_URL');
      expect(problem).toMatch(/required/);
      expect(problem).toMatch(/file:\/\//);
    }
  });

  it('several bad values are all listed, each under its own name', () => {
    const problems = problemsOf({
      TOP_K: '0',
      MODEL_SCALING: '0..2',
      MAX_PIXELS: 'lots',
      AWS_ENDPOINT_URL: 'ftp://rgw.example',
      RESULTS_PREFIX: 'results',
      MODEL_CROP_FRACTION: '1.5',
      TF_BACKEND: 'gpu',
    });
    for (const name of ['MODEL_URL', 'TOP_K', 'MODEL_SCALING', 'MAX_PIXELS', 'AWS_ENDPOINT_URL', 'RESULTS_PREFIX', 'MODEL_CROP_FRACTION', 'TF_BACKEND']) {
      expect(problemFor(problems, name), `${name} in ${JSON.stringify(problems)}`).toBeDefined();
    }
    expect(problems).toHaveLength(8);
  });

  it('defaults: TOP_K 5, RESULTS_PREFIX results/, ALLOWED_BUCKETS empty, backend auto, one S3 endpoint from the SDK chain', () => {
    const config = loadClassifyConfig({ MODEL_URL });
    expect(config).toMatchObject({
      MODEL_URL,
      TOP_K: 5,
      RESULTS_PREFIX: 'results/',
      ALLOWED_BUCKETS: [],
      TF_BACKEND: 'auto',
      MAX_OBJECT_BYTES: 25 * 1024 * 1024,
      MAX_RECORDS: 10,
      LOW_CONFIDENCE_THRESHOLD: 0.5,
      S3_FORCE_PATH_STYLE: true,
    });
    // model settings left unset so the model's own config (or the defaults) apply
    for (const key of ['MODEL_CONFIG_URL', 'MODEL_LABELS_URL', 'MODEL_SCALING', 'MODEL_OUTPUT', 'MODEL_INPUT_SIZE', 'RESULTS_BUCKET', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'] as const) {
      expect(config[key], key).toBeUndefined();
    }
  });

  it('does not read process.env when given an environment', () => {
    const saved = process.env.TOP_K;
    process.env.TOP_K = '9';
    try {
      expect(loadClassifyConfig({ MODEL_URL }).TOP_K).toBe(5);
    } finally {
      if (saved === undefined) delete process.env.TOP_K;
      else process.env.TOP_K = saved;
    }
  });

  it('empty strings are unset (how Kubernetes renders an empty ConfigMap value)', () => {
    const config = loadClassifyConfig({
      MODEL_URL,
      TOP_K: '',
      RESULTS_PREFIX: '',
      ALLOWED_BUCKETS: '',
      MODEL_SCALING: '',
      MODEL_CONFIG_URL: '',
      AWS_ENDPOINT_URL_S3: '',
      MAX_PIXELS: '',
    });
    expect(config.TOP_K).toBe(5);
    expect(config.RESULTS_PREFIX).toBe('results/');
    expect(config.ALLOWED_BUCKETS).toEqual([]);
    expect(config.MODEL_SCALING).toBeUndefined();
    expect(config.MODEL_CONFIG_URL).toBeUndefined();
    expect(config.AWS_ENDPOINT_URL_S3).toBeUndefined();
    expect(config.MAX_PIXELS).toBe(40_000_000);
    expect(problemFor(problemsOf({ MODEL_URL: '' }), 'MODEL_URL')).toBeDefined();
  });

  it('RESULTS_PREFIX must end with a slash', () => {
    expect(problemFor(problemsOf({ MODEL_URL, RESULTS_PREFIX: 'results' }), 'RESULTS_PREFIX')).toMatch(/end with \//);
    expect(loadClassifyConfig({ MODEL_URL, RESULTS_PREFIX: 'ml/results/' }).RESULTS_PREFIX).toBe('ml/results/');
  });

  it('values are parsed from their string form', () => {
    const config = loadClassifyConfig({
      MODEL_URL,
      TOP_K: '3',
      ALLOWED_BUCKETS: ' photos, scans ,,',
      MODEL_INPUT_SIZE: '256',
      MODEL_CROP_FRACTION: '0.9',
      LOW_CONFIDENCE_THRESHOLD: '0.25',
      S3_FORCE_PATH_STYLE: 'false',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:7480',
      MODEL_SCALING: '0..1',
      MODEL_OUTPUT: 'logits',
      MAX_RECORDS: '1',
    });
    expect(config).toMatchObject({
      MAX_RECORDS: 1,
      TOP_K: 3,
      ALLOWED_BUCKETS: ['photos', 'scans'],
      MODEL_INPUT_SIZE: 256,
      MODEL_CROP_FRACTION: 0.9,
      LOW_CONFIDENCE_THRESHOLD: 0.25,
      S3_FORCE_PATH_STYLE: false,
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:7480',
      MODEL_SCALING: '0..1',
      MODEL_OUTPUT: 'logits',
    });
  });

  it('numbers out of range or not whole are refused', () => {
    for (const [name, value] of [
      ['TOP_K', '2.5'],
      ['TOP_K', '101'],
      ['MAX_OBJECT_BYTES', '0'],
      ['MAX_RECORDS', '0'],
      ['MAX_RECORDS', '1001'],
      ['MAX_RECORDS', 'all'],
      ['LOW_CONFIDENCE_THRESHOLD', '2'],
      ['LOW_CONFIDENCE_THRESHOLD', 'NaN'],
      ['MODEL_INPUT_SIZE', '4'],
      ['S3_FORCE_PATH_STYLE', 'yes please'],
    ] as const) {
      expect(problemFor(problemsOf({ MODEL_URL, [name]: value }), name), `${name}=${value}`).toBeDefined();
    }
  });

  it('inference: INFERENCE_WORKERS unset means "the CPU limit" (0 is the in-thread design); MAX_BATCH 8 and MAX_QUEUE 32 by default', () => {
    expect(loadClassifyConfig({ MODEL_URL })).toMatchObject({ MAX_BATCH: 8, MAX_QUEUE: 32 });
    expect(loadClassifyConfig({ MODEL_URL }).INFERENCE_WORKERS).toBeUndefined();
    expect(loadClassifyConfig({ MODEL_URL, INFERENCE_WORKERS: '' }).INFERENCE_WORKERS).toBeUndefined();
    expect(loadClassifyConfig({ MODEL_URL, INFERENCE_WORKERS: '0', MAX_BATCH: '1', MAX_QUEUE: '0' })).toMatchObject({ INFERENCE_WORKERS: 0, MAX_BATCH: 1, MAX_QUEUE: 0 });
    for (const [name, value] of [
      ['INFERENCE_WORKERS', '-1'],
      ['INFERENCE_WORKERS', 'auto'],
      ['MAX_BATCH', '0'],
      ['MAX_QUEUE', '-1'],
    ] as const) {
      expect(problemFor(problemsOf({ MODEL_URL, [name]: value }), name), `${name}=${value}`).toBeDefined();
    }
  });
});
