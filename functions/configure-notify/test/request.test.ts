// What callers send the function (HTTP body, YAML body, CloudEvent), the bearer-token check, and
// secret redaction.
import { describe, expect, it } from 'vitest';
import { FunctionError } from '../src/vendor/core/index.ts';
import { redactDeep, redactUri } from '../src/redact.ts';
import { buildReport, reportTable } from '../src/report.ts';
import { makeTokenCheck, requestFromCloudEvent, requestFromHttp } from '../src/request.ts';

const DOC = { apiVersion: 'bucket-ml.io/v1alpha1', kind: 'NotificationState', spec: { topics: [{ name: 't', endpoint: { http: { uri: 'http://h/' } } }] } };
const YAML = 'apiVersion: bucket-ml.io/v1alpha1\nkind: NotificationState\nspec:\n  topics:\n    - name: t\n      endpoint: { http: { uri: "http://h/" } }\n';

function refused(fn: () => unknown): FunctionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FunctionError);
    return error as FunctionError;
  }
  throw new Error('expected a FunctionError');
}

describe('requests', () => {
  it('JSON envelope with a document object or YAML text', () => {
    expect(requestFromHttp({ operation: 'apply', document: DOC }, {}, 'application/json').document!.spec.topics[0]!.name).toBe('t');
    expect(requestFromHttp({ operation: 'plan', document: YAML }, {}, 'application/json').operation).toBe('plan');
  });

  it('a bare YAML or JSON document with ?operation=', () => {
    expect(requestFromHttp(Buffer.from(YAML), { operation: 'plan' }, 'application/yaml')).toMatchObject({ operation: 'plan' });
    expect(requestFromHttp(DOC, { operation: 'get' }, 'application/json').operation).toBe('get');
  });

  it('delete and get by name, without a document', () => {
    expect(requestFromHttp({ operation: 'delete', topics: ['t'], notifications: [{ bucket: 'b', id: 'n' }] }, {}, 'application/json')).toEqual({
      operation: 'delete',
      topics: ['t'],
      notifications: [{ bucket: 'b', id: 'n' }],
    });
    expect(requestFromHttp({ operation: 'delete', topics: ['t'], dryRun: true }, {}, 'application/json')).toMatchObject({ operation: 'delete', dryRun: true });
    expect(requestFromHttp({ operation: 'apply', document: DOC, dryRun: true }, {}, 'application/json').operation).toBe('plan');
  });

  it('CloudEvents: data object or text; the operation may come from the type', () => {
    expect(requestFromCloudEvent('io.bucketml.notifications.apply.v1', DOC).operation).toBe('apply');
    expect(requestFromCloudEvent('anything', { operation: 'plan', document: DOC }).operation).toBe('plan');
    expect(requestFromCloudEvent('io.bucketml.notifications.plan.v1', YAML).operation).toBe('plan');
  });

  it('refuses malformed requests with 400 invalid_request naming the field', () => {
    const e = refused(() => requestFromHttp({ operation: 'destroy', document: DOC, extra: 1 }, {}, 'application/json'));
    expect([e.status, e.code]).toEqual([400, 'invalid_request']);
    const paths = (e.details as { problems: Array<{ path: string }> }).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['operation', 'extra']));
    expect(refused(() => requestFromHttp({ operation: 'apply' }, {}, 'application/json')).message).toMatch(/document: is required/);
    expect(refused(() => requestFromHttp({ operation: 'delete' }, {}, 'application/json')).message).toMatch(/by name/);
    expect(refused(() => requestFromHttp(undefined, {}, undefined)).code).toBe('invalid_request');
    expect(refused(() => requestFromHttp(Buffer.from('{nope'), {}, 'application/json')).message).toMatch(/not valid JSON/);
  });

  it('refuses an invalid document with 400 invalid_document listing the problems with paths', () => {
    const e = refused(() => requestFromHttp({ operation: 'apply', document: { ...DOC, spec: { topics: [{ name: 't', endpoint: { http: { uri: 'gopher://x' } } }], notifications: [{ bucket: 'b' }] } } }, {}, 'application/json'));
    expect([e.status, e.code]).toEqual([400, 'invalid_document']);
    expect((e.details as { problems: Array<{ path: string }> }).problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['spec.topics[0].endpoint.http.uri', 'spec.notifications[0].id', 'spec.notifications[0].topic']),
    );
  });
});

describe('the bearer token', () => {
  const check = makeTokenCheck('0123456789abcdef-token');
  it('accepts exactly the token, as a Bearer credential', () => {
    expect(check({ authorization: 'Bearer 0123456789abcdef-token' })).toBe(true);
    expect(check({ authorization: 'bearer 0123456789abcdef-token' })).toBe(true);
  });
  it('refuses anything else', () => {
    for (const h of [undefined, '', 'Bearer', 'Bearer 0123456789abcdef-toke', 'Bearer 0123456789abcdef-token2', 'Basic 0123456789abcdef-token', '0123456789abcdef-token', 'Bearer 0123456789abcdef-token extra']) {
      expect(check(h === undefined ? {} : { authorization: h }), String(h)).toBe(false);
    }
  });
});

describe('redaction', () => {
  it('hides passwords and secret-looking query values, keeps the rest', () => {
    expect(redactUri('amqp://user:p%40ss@rabbit:5672/vhost')).toBe('amqp://user:***@rabbit:5672/vhost');
    expect(redactUri('kafka://u:secret@k:9092')).toBe('kafka://u:***@k:9092');
    expect(redactUri('https://hook.example/in?token=abc&x=1')).toBe('https://hook.example/in?token=***&x=1');
    expect(redactUri('http://plain.example/')).toBe('http://plain.example/');
    expect(redactUri('not a url //u:pw@host')).toBe('not a url //u:***@host');
  });

  it('reports and tables carry no secret', () => {
    const changes = [{ field: 'endpoint.amqp.uri', from: 'amqp://u:old-secret@r/', to: 'amqp://u:new-secret@r/' }];
    const report = buildReport(
      'plan',
      true,
      { topics: [{ kind: 'topic', name: 't', action: 'update', changes }], notifications: [], warnings: [] },
      { endpoint: 'http://rgw', versionSource: 'unknown' },
      0,
    );
    const text = JSON.stringify(report) + reportTable(report);
    expect(text).not.toMatch(/old-secret|new-secret/);
    expect(text).toContain('amqp://u:***@r/');
    expect(redactDeep({ a: ['kafka://x:y@z'] })).toEqual({ a: ['kafka://x:***@z'] });
  });
});
