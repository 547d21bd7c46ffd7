// configure-notify BUILT and served by faas-js-runtime on a free port (as `npm start` runs it in its
// container), called over HTTP and with CloudEvents, against the run's real RGW.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CloudEvent, HTTP } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type RunningFunction } from '../../../test/support/function-process.ts';
import { awsEnvFor, rgwAccess, s3For, uniqueName } from '../../../test/support/rgw-clients.ts';
import { REPORT_EVENT_TYPE } from '../src/request.ts';
import type { Report } from '../src/report.ts';

const rgw = rgwAccess();
const token = randomBytes(24).toString('hex');
const auth = { authorization: `Bearer ${token}` };
const json = { 'content-type': 'application/json' };

let fn: RunningFunction;
let s3: S3Client;
const bucket = uniqueName('it-cn');
const topic = uniqueName('it-cn-topic');

function doc(uri = 'http://127.0.0.1:9/never-called') {
  return {
    apiVersion: 'bucket-ml.io/v1alpha1',
    kind: 'NotificationState',
    spec: {
      topics: [{ name: topic, endpoint: { http: { uri } } }],
      notifications: [{ bucket, id: 'jpg', topic, events: ['s3:ObjectCreated:*'], filter: { keyFilters: [{ name: 'suffix', value: '.jpg' }] } }],
    },
  };
}

async function post(body: unknown, headers: Record<string, string> = { ...auth, ...json }, path = '/'): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(fn.url + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

beforeAll(async () => {
  s3 = s3For(rgw);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  fn = await startFunction('configure-notify', { ...awsEnvFor(rgw), CONFIGURE_NOTIFY_TOKEN: token });
});
afterAll(async () => {
  await fn?.stop();
  s3?.destroy();
});

describe('configure-notify over HTTP', () => {
  it('refuses every call without the right bearer token (401), whatever it carries', async () => {
    const attempts: Array<Record<string, string>> = [json, { ...json, authorization: `Bearer ${token}x` }, { ...json, authorization: `Basic ${token}` }, { ...json, authorization: token }];
    for (const headers of attempts) {
      const res = await post({ operation: 'apply', document: doc() }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({ error: { code: 'unauthorized' } });
    }
    expect((await fetch(fn.url)).status).toBe(401);
    const ce = HTTP.binary(new CloudEvent({ type: 'io.bucketml.notifications.apply.v1', source: '/test', data: { operation: 'apply', document: doc() } }));
    expect((await fetch(fn.url, { method: 'POST', headers: ce.headers as Record<string, string>, body: ce.body as string })).status).toBe(401);
    // nothing was applied
    const got = await post({ operation: 'get', document: doc() });
    expect(got.body).toMatchObject({ document: { spec: { topics: [], notifications: [] } } });
    // health endpoints stay open for the kubelet
    expect((await fetch(`${fn.url}/health/readiness`)).status).toBe(200);
  });

  it('describes itself on an authenticated GET', async () => {
    const res = await fetch(fn.url, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ function: 'configure-notify', operations: ['apply', 'plan', 'get', 'delete'] });
  });

  it('a bad document gets a 400 listing every problem with its path, and nothing is applied', async () => {
    const bad = doc();
    const res = await post({
      operation: 'apply',
      document: {
        ...bad,
        spec: {
          topics: [{ name: topic, endpoint: { http: { uri: 'file:///etc/passwd' } }, colour: 'red' }],
          notifications: [{ ...bad.spec.notifications[0], events: ['s3:ObjectCreated:Everything'], filter: { keyFilters: [{ name: 'regex', value: '(' }] } }],
        },
      },
    });
    expect(res.status).toBe(400);
    const error = res.body.error as { code: string; details: { problems: Array<{ path: string; message: string }> } };
    expect(error.code).toBe('invalid_document');
    expect(error.details.problems.map((p) => p.path).sort()).toEqual([
      'spec.notifications[0].events[0]',
      'spec.notifications[0].filter.keyFilters[0].value',
      'spec.topics[0].colour',
      'spec.topics[0].endpoint.http.uri',
    ]);
    expect(error.details.problems.find((p) => p.path.endsWith('uri'))!.message).toMatch(/file:\/\/ is not allowed/);
    expect(JSON.stringify(res.body)).not.toContain('/etc/passwd');
    const malformed = await post('{"operation": "apply", "document": ', { ...auth, 'content-type': 'text/plain' });
    expect(malformed.status).toBe(400);
  });

  it('apply, apply again (unchanged, no writes), plan of a change, as JSON and YAML bodies', async () => {
    const first = await post({ operation: 'apply', document: doc() });
    expect(first.status).toBe(200);
    const report = first.body as unknown as Report;
    expect(report.items.map((i) => (i.kind === 'warning' ? i.code : i.action))).toEqual(['created', 'created']);

    const again = (await post({ operation: 'apply', document: doc() })).body as unknown as Report;
    expect(again.summary).toMatchObject({ unchanged: 2, created: 0, updated: 0 });
    expect(again.writes).toBe(0);

    const yaml = `apiVersion: bucket-ml.io/v1alpha1\nkind: NotificationState\nspec:\n  topics:\n    - name: ${topic}\n      endpoint: { http: { uri: "http://127.0.0.1:9/elsewhere" } }\n`;
    const plan = await post(yaml, { ...auth, 'content-type': 'application/yaml' }, '/?operation=plan');
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ operation: 'plan', dryRun: true, writes: 0, items: [{ name: topic, action: 'updated' }] });
    const got = await post({ operation: 'get', topics: [topic] });
    expect(got.body).toMatchObject({ document: { spec: { topics: [{ name: topic, endpoint: { http: { uri: 'http://127.0.0.1:9/never-called' } } }] } } });
  });

  it('a CloudEvent carrying the request gets a reply CloudEvent with the report', async () => {
    const ce = HTTP.binary(new CloudEvent({ type: 'io.bucketml.notifications.plan.v1', source: '/test', datacontenttype: 'application/json', data: doc() }));
    const res = await fetch(fn.url, { method: 'POST', headers: { ...(ce.headers as Record<string, string>), ...auth }, body: ce.body as string });
    expect(res.status).toBe(200);
    expect(res.headers.get('ce-type')).toBe(REPORT_EVENT_TYPE);
    expect(res.headers.get('ce-subject')).toBe('plan');
    expect(await res.json()).toMatchObject({ operation: 'plan', summary: { unchanged: 2 } });
  });

  it('a secret in an endpoint is never echoed nor logged, and RGW refusing it is a 422 with the report', async () => {
    const secret = `Pw${randomBytes(8).toString('hex')}`;
    const withSecret = { ...doc(), spec: { topics: [{ name: `${topic}-amqp`, endpoint: { amqp: { uri: `amqp://bob:${secret}@127.0.0.1:5672/vh`, exchange: 'x' } } }], notifications: [] } };
    const plan = await post({ operation: 'plan', document: withSecret });
    expect(plan.status).toBe(200);
    const applied = await post({ operation: 'apply', document: withSecret });
    expect(applied.status).toBe(422);
    expect(applied.body).toMatchObject({ ok: false, error: { retryable: false }, items: [{ action: 'failed', error: { code: 'rgw_rejected' } }] });
    for (const text of [JSON.stringify(plan.body), JSON.stringify(applied.body), fn.output()]) {
      expect(text).not.toContain(secret);
    }
    expect(JSON.stringify(plan.body)).toContain('amqp://bob:***@127.0.0.1:5672/vh');
    expect(fn.output()).not.toContain(token);
  });

  it('deletes by name and by document', async () => {
    const res = await post({ operation: 'delete', document: doc() });
    expect(res.status).toBe(200);
    expect((res.body as unknown as Report).summary).toMatchObject({ deleted: 2 });
  });
});

describe('configure-notify when RGW says no', () => {
  it('refused credentials: 403 with a clear message', async () => {
    const bad = await startFunction('configure-notify', { ...awsEnvFor(rgw), AWS_SECRET_ACCESS_KEY: 'not-the-secret-not-the-secret-not-the-se', CONFIGURE_NOTIFY_TOKEN: token });
    try {
      const res = await fetch(bad.url, { method: 'POST', headers: { ...auth, ...json }, body: JSON.stringify({ operation: 'plan', document: doc() }) });
      expect(res.status).toBe(403);
      const body = (await res.json()) as { error: { code: string; message: string; retryable: boolean } };
      expect(body.error).toMatchObject({ code: 'rgw_credentials_refused', retryable: false });
      expect(body.error.message).toMatch(/RGW refused the credentials .*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
      expect(bad.output()).not.toContain('not-the-secret');
    } finally {
      await bad.stop();
    }
  });

  it('unreachable RGW: 503, retryable', async () => {
    const gone = await startFunction('configure-notify', { ...awsEnvFor(rgw), AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', CONFIGURE_NOTIFY_TOKEN: token });
    try {
      const res = await fetch(gone.url, { method: 'POST', headers: { ...auth, ...json }, body: JSON.stringify({ operation: 'get' }) });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'rgw_unavailable', retryable: true } });
    } finally {
      await gone.stop();
    }
  });

  it('does not start without a token or RGW credentials, and says which', async () => {
    const { AWS_ACCESS_KEY_ID: _drop, ...withoutKey } = awsEnvFor(rgw);
    const error = await startFunction('configure-notify', { ...withoutKey, CONFIGURE_NOTIFY_TOKEN: 'short' }, 15_000).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/CONFIGURE_NOTIFY_TOKEN: must be at least 16 characters/);
    expect((error as Error).message).toMatch(/AWS_ACCESS_KEY_ID: is required/);
  });
});
