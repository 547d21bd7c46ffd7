// The three functions BUILT and started by `npm start`, scraped on /metrics after real requests
// (classify: real photos in the run's real RGW; score: the reference rows; configure-notify: applies
// against the RGW). One exposition: the runtime's faas_* and process metrics once, ours after them,
// in the Prometheus text format, and every bucketml_* figure moved exactly as the requests say.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CloudEvent, HTTP } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cephSourceEvent } from '../support/cephsource.ts';
import { startFunction, type RunningFunction } from '../support/function-process.ts';
import { repoRoot, sharedPath } from '../support/paths.ts';
import { samplesOf, scrape, valueOf, type Exposition } from '../support/prometheus.ts';
import { awsEnvFor, rgwAccess, s3For, uniqueName } from '../support/rgw-clients.ts';
import type { RgwRecord } from '../../packages/local/src/s3-server/notifications/records.ts';

const run = promisify(execFile);
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const rgw = rgwAccess();
const capture = JSON.parse(await readFile(sharedPath('reference/ceph-rgw-16.2/samples/non-persistent.json'), 'utf8')) as { body: { Records: [RgwRecord] } };

/** What every function's scrape must be, whatever it did. */
function expectOneExposition(metrics: Exposition & { contentType: string | null }): void {
  expect(metrics.contentType).toBe(PROMETHEUS_TEXT);
  expect(metrics.typedTwice).toEqual([]);
  // the runtime's own families are still there, and the process metrics are collected once
  expect(metrics.types.get('faas_invocations')).toBe('counter');
  expect(metrics.types.get('faas_execution_latency')).toBe('histogram');
  expect(samplesOf(metrics, 'process_cpu_user_seconds_total')).toHaveLength(1);
  expect(metrics.types.get('bucketml_cold_start_duration_seconds')).toBe('gauge');
}

const post = (url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const sendEvent = (url: string, message: { headers: Record<string, unknown>; body: unknown }) =>
  fetch(url, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });

describe('classify /metrics after real deliveries', () => {
  let s3: S3Client;
  let fn: RunningFunction;
  const bucket = uniqueName('it-metrics');
  const eTags = new Map<string, string>();

  /** The real RGW 16 record, pointed at one of our objects. */
  function record(key: string, eventName = 'ObjectCreated:Put'): RgwRecord {
    const r = structuredClone(capture.body.Records[0]);
    r.eventName = eventName;
    r.s3.bucket.name = bucket;
    r.s3.object = { ...r.s3.object, key, eTag: eTags.get(key) ?? 'x', size: 1 };
    // one request id per upload, as RGW gives: CephSource makes the event id of it
    r.responseElements = { ...r.responseElements, 'x-amz-request-id': `req-${key}-${eventName}` };
    return r;
  }

  beforeAll(async () => {
    s3 = s3For(rgw);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const objects: Array<[string, Uint8Array | string]> = [];
    for (const name of ['dog.jpg', 'kite.jpg', 'eagle.jpg', 'horses.jpg']) objects.push([name, await readFile(sharedPath('images', name))]);
    objects.push(['notes.jpg', 'plain text with a picture name']);
    for (const [key, body] of objects) {
      const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      eTags.set(key, (out.ETag ?? '').replace(/"/g, ''));
    }
    fn = await startFunction('classify', { ...awsEnvFor(rgw), MODEL_URL: `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}` });
  });
  afterAll(async () => {
    await fn?.stop();
    s3?.destroy();
  });

  it('counts deliveries by sender, outcomes by status and code, and times every stage of every classified image', async () => {
    const before = await scrape(fn.url);
    expectOneExposition(before);
    expect(valueOf(before, 'bucketml_classify_deliveries_total')).toBe(0);

    const rgwPost = (key: string) => post(fn.url, { Records: [record(key)] });
    const viaBroker = cephSourceEvent(record('horses.jpg'), { knativearrivaltime: new Date().toISOString() });
    const rgw17 = new CloudEvent({ id: 'req-e.id2', type: 'com.amazonaws.ObjectCreated:Put', source: `ceph:s3.default.${bucket}`, subject: 'eagle.jpg', datacontenttype: 'application/json', data: { Records: [record('eagle.jpg')] } });
    const statuses = [
      (await rgwPost('dog.jpg')).status, // rgw-post, classified
      (await sendEvent(fn.url, HTTP.binary(cephSourceEvent(record('kite.jpg'))))).status, // cephsource, classified
      (await sendEvent(fn.url, HTTP.binary(rgw17))).status, // rgw-cloudevent, classified
      (await sendEvent(fn.url, HTTP.binary(viaBroker))).status, // through a Broker, first time: cephsource, classified
      (await sendEvent(fn.url, HTTP.structured(viaBroker))).status, // the Broker again: broker-redelivery, duplicate
      (await rgwPost('dog.jpg')).status, // rgw-post, duplicate
      (await rgwPost('notes.jpg')).status, // rgw-post, failed 415 not_an_image
      (await sendEvent(fn.url, HTTP.binary(cephSourceEvent(record('kite.jpg', 'ObjectRemoved:Delete'))))).status, // cephsource, ignored
      (await sendEvent(fn.url, HTTP.binary(new CloudEvent({ type: 'boson.fn', source: '/boson/fn', data: { message: 'Hello World' } })))).status, // other, 400
    ];
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 415, 204, 400]);
    const described = (await (await fetch(fn.url)).json()) as { model: { name: string; version: string }; backend: string };

    const m = await scrape(fn.url);
    expectOneExposition(m);
    expect(valueOf(m, 'faas_invocations') - valueOf(before, 'faas_invocations')).toBe(statuses.length + 1);

    const deliveries = (shape: string) => valueOf(m, 'bucketml_classify_deliveries_total', { shape });
    expect(['rgw-post', 'cephsource', 'rgw-cloudevent', 'broker-redelivery', 'other'].map(deliveries)).toEqual([3, 3, 1, 1, 1]);

    const outcomes = (labels: Record<string, string>) => valueOf(m, 'bucketml_classify_outcomes_total', labels);
    expect(outcomes({ outcome: 'classified', status: '200', code: '' })).toBe(4);
    expect(outcomes({ outcome: 'duplicate', status: '200', code: '' })).toBe(2);
    expect(outcomes({ outcome: 'ignored', status: '204', code: '' })).toBe(1);
    expect(outcomes({ outcome: 'failed', status: '415', code: 'not_an_image' })).toBe(1);
    expect(outcomes({ outcome: 'failed', status: '400', code: 'unsupported_event' })).toBe(1);
    expect(outcomes({})).toBe(9);

    for (const stage of ['fetch', 'decode', 'inference', 'store', 'total']) {
      expect(valueOf(m, 'bucketml_classify_stage_duration_seconds_count', { stage }), stage).toBe(4);
      expect(valueOf(m, 'bucketml_classify_stage_duration_seconds_sum', { stage }), stage).toBeGreaterThan(0);
      expect(valueOf(m, 'bucketml_classify_stage_duration_seconds_bucket', { stage, le: '+Inf' }), stage).toBe(4);
    }
    const sum = (stage: string) => valueOf(m, 'bucketml_classify_stage_duration_seconds_sum', { stage });
    expect(sum('total')).toBeGreaterThanOrEqual(sum('fetch') + sum('decode') + sum('inference') + sum('store') - 0.001);

    const info = samplesOf(m, 'bucketml_model_info');
    expect(info).toEqual([{ name: 'bucketml_model_info', labels: { function: 'classify', model: described.model.name, version: described.model.version, backend: described.backend }, value: 1 }]);
    const coldStart = valueOf(m, 'bucketml_cold_start_duration_seconds', { function: 'classify' });
    const modelLoad = valueOf(m, 'bucketml_model_load_duration_seconds', { function: 'classify' });
    expect(modelLoad).toBeGreaterThan(0);
    expect(coldStart).toBeGreaterThan(modelLoad);
    expect(coldStart).toBeLessThan(fn.readyMs / 1000);
    // nothing is being classified between requests
    expect(samplesOf(m, 'bucketml_inference_in_flight')).toEqual([{ name: 'bucketml_inference_in_flight', labels: {}, value: 0 }]);
    expect(samplesOf(m, 'bucketml_inference_queue_depth')).toEqual([{ name: 'bucketml_inference_queue_depth', labels: {}, value: 0 }]);
    expect(m.types.get('bucketml_inference_batch_size')).toBe('histogram');
  });

  it('answers HEAD /metrics with the length GET would send', async () => {
    const res = await fetch(`${fn.url}/metrics`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(await res.text()).toBe('');
  });
});

describe('score /metrics after real rows', () => {
  let fn: RunningFunction;
  let models: string;
  const example = async (file: string): Promise<unknown> => JSON.parse(await readFile(path.join(repoRoot, 'functions/score/events', file), 'utf8')) as unknown;

  beforeAll(async () => {
    models = await mkdtemp(path.join(tmpdir(), 'metrics-score-'));
    for (const kind of ['lda', 'mlp']) {
      await run(process.execPath, [path.join(repoRoot, 'functions/score/build/cli/import-sklearn.js'), '--in', sharedPath(`reference/eeg-letters/sklearn-${kind}.json`), '--out', models]);
    }
    fn = await startFunction('score', { MODEL_URL: `file://${models}/`, DEFAULT_MODEL: 'mlp' });
  });
  afterAll(async () => {
    await fn?.stop();
    if (models) await rm(models, { recursive: true, force: true });
  });

  it('counts requests by protocol, status and code, and splits each prediction into parse and predict', async () => {
    const statuses = [
      (await post(fn.url, await example('row-23.json'))).status, // score (rows keyed by feature), both models
      (await post(`${fn.url}/v2/models/mlp/infer`, await example('open-inference-row-23.json'))).status,
      (await post(`${fn.url}/api/v1.0/predictions`, await example('seldon-row-23.json'))).status,
      (await post(`${fn.url}/v2/models/nope/infer`, await example('open-inference-row-23.json'))).status,
      (await post(fn.url, '{"not json', { 'content-type': 'text/plain' })).status, // (as application/json the runtime refuses it first)
      (await sendEvent(fn.url, HTTP.binary(new CloudEvent({ type: 'io.bucketml.score.requested.v1', source: '/test', data: await example('row-23.json') })))).status,
    ];
    expect(statuses).toEqual([200, 200, 200, 404, 400, 200]);
    const metadata = (await (await fetch(`${fn.url}/v2/models/lda`)).json()) as { versions: string[] };

    const m = await scrape(fn.url);
    expectOneExposition(m);
    const requests = (labels: Record<string, string>) => valueOf(m, 'bucketml_score_requests_total', labels);
    expect(requests({ protocol: 'score', status: '200', code: '' })).toBe(2);
    expect(requests({ protocol: 'open-inference', status: '200', code: '' })).toBe(2); // infer, then the metadata GET
    expect(requests({ protocol: 'seldon', status: '200', code: '' })).toBe(1);
    expect(requests({ protocol: 'open-inference', status: '404', code: 'unknown_model' })).toBe(1);
    expect(requests({ protocol: 'score', status: '400', code: 'bad_json' })).toBe(1);
    expect(requests({})).toBe(statuses.length + 1);

    for (const stage of ['parse', 'predict']) {
      const count = (protocol: string) => valueOf(m, 'bucketml_score_stage_duration_seconds_count', { stage, protocol });
      expect([count('score'), count('open-inference'), count('seldon')], stage).toEqual([2, 1, 1]);
      expect(valueOf(m, 'bucketml_score_stage_duration_seconds_sum', { stage }), stage).toBeGreaterThan(0);
    }
    const info = samplesOf(m, 'bucketml_model_info').map((s) => s.labels);
    expect(info).toEqual([
      { function: 'score', model: 'lda', version: metadata.versions[0], backend: 'lda' },
      { function: 'score', model: 'mlp', version: expect.stringMatching(/^[0-9a-f]{12}$/), backend: 'mlp' },
    ]);
    expect(valueOf(m, 'bucketml_model_load_duration_seconds', { function: 'score' })).toBeGreaterThan(0);
    expect(valueOf(m, 'bucketml_cold_start_duration_seconds', { function: 'score' })).toBeGreaterThan(0);
  });
});

describe('configure-notify /metrics after applies against RGW', () => {
  let fn: RunningFunction;
  let s3: S3Client;
  const token = randomBytes(24).toString('hex');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const bucket = uniqueName('it-metrics-cn');
  const topic = uniqueName('it-metrics-topic');
  const document = (notificationBucket = bucket) => ({
    apiVersion: 'bucket-ml.io/v1alpha1',
    kind: 'NotificationState',
    spec: {
      topics: [{ name: topic, endpoint: { http: { uri: 'http://127.0.0.1:9/never-called' } } }],
      notifications: [{ bucket: notificationBucket, id: 'jpg', topic, events: ['s3:ObjectCreated:*'] }],
    },
  });

  beforeAll(async () => {
    s3 = s3For(rgw);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    fn = await startFunction('configure-notify', { ...awsEnvFor(rgw), CONFIGURE_NOTIFY_TOKEN: token });
  });
  afterAll(async () => {
    await fn?.stop();
    s3?.destroy();
  });

  it('counts every apply and delete with what it did to each topic and notification; plans change nothing', async () => {
    const statuses = [
      (await post(fn.url, { operation: 'plan', document: document() }, headers)).status,
      (await post(fn.url, { operation: 'apply', document: document() }, headers)).status, // topic and notification created
      (await post(fn.url, { operation: 'apply', document: document() }, headers)).status, // both unchanged
      (await post(fn.url, { operation: 'apply', document: document(uniqueName('it-no-such-bucket')) }, headers)).status, // the notification fails
      (await post(fn.url, { operation: 'delete', document: document() }, headers)).status, // both deleted
    ];
    expect(statuses).toEqual([200, 200, 200, 422, 200]);

    const m = await scrape(fn.url);
    expectOneExposition(m);
    expect(valueOf(m, 'bucketml_notify_applies_total', { result: 'ok' })).toBe(3);
    expect(valueOf(m, 'bucketml_notify_applies_total', { result: 'failed' })).toBe(1);
    const changes = (resource: string, change: string) => valueOf(m, 'bucketml_notify_changes_total', { resource, change });
    expect([changes('topic', 'created'), changes('topic', 'unchanged'), changes('topic', 'deleted')]).toEqual([1, 2, 1]);
    expect([changes('notification', 'created'), changes('notification', 'unchanged'), changes('notification', 'deleted')]).toEqual([1, 1, 1]);
    expect(valueOf(m, 'bucketml_cold_start_duration_seconds', { function: 'configure-notify' })).toBeGreaterThan(0);
    expect(samplesOf(m, 'bucketml_model_info')).toEqual([]);
  });
});
