// errorResponse/jsonResponse: every failure becomes a deliberate response; internals stay in the log.
import { describe, expect, it } from 'vitest';
import { badRequest, FunctionError, unavailable } from '../src/errors.ts';
import { errorResponse, jsonResponse, type ErrorBody } from '../src/http.ts';
import { createLogger } from '../src/log.ts';

function capturingLogger(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: createLogger({ function: 'test' }, { sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }), lines };
}

describe('errorResponse', () => {
  it('an unexpected error → 500 with a generic message; the real one goes to the log only', () => {
    const { log, lines } = capturingLogger();
    const secret = new TypeError("Cannot read properties of undefined (reading 'x') at /app/build/pipeline.js:42 token=s3cr3t");
    const response = errorResponse(secret, log);
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.body as ErrorBody;
    expect(body.error.code).toBe('internal');
    expect(body.error.retryable).toBe(true);
    const serialized = JSON.stringify(response.body);
    for (const leak of ['Cannot read', 'pipeline.js', 's3cr3t', 'TypeError']) expect(serialized).not.toContain(leak);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', function: 'test', error: { name: 'TypeError', message: secret.message } });
  });

  it('things that are not Errors are hidden the same way', () => {
    for (const thrown of ['raw string with /etc/passwd', 42, undefined, { password: 'x' }]) {
      const response = errorResponse(thrown);
      expect(response.statusCode).toBe(500);
      expect(JSON.stringify(response.body)).not.toMatch(/passwd|password|42/);
    }
  });

  it('a FunctionError keeps its status, code, message and details; retryable follows the status', () => {
    const details = [{ path: 'Records.0.s3.bucket.name', message: 'bucket name is empty' }];
    const permanent = errorResponse(badRequest('malformed_event', 'record 0 is not an S3 event record', details));
    expect(permanent.statusCode).toBe(400);
    expect(permanent.body).toEqual({ error: { code: 'malformed_event', message: 'record 0 is not an S3 event record', retryable: false, details } });

    const transient = errorResponse(unavailable('storage_unavailable', 'the object store is unavailable', new Error('ECONNREFUSED 10.0.0.1')));
    expect(transient.statusCode).toBe(503);
    expect(transient.body).toEqual({ error: { code: 'storage_unavailable', message: 'the object store is unavailable', retryable: true } });
    // the cause is not part of the response
    expect(JSON.stringify(transient.body)).not.toContain('10.0.0.1');

    const tooLarge = errorResponse(new FunctionError(413, 'image_too_large', '9000x9000 pixels exceeds MAX_PIXELS'));
    expect(tooLarge.statusCode).toBe(413);
    expect((tooLarge.body as ErrorBody).error).not.toHaveProperty('details');
  });

  it("a FunctionError's headers (Retry-After) are part of its answer, beside the content type", () => {
    const overloaded = errorResponse(new FunctionError(503, 'overloaded', 'busy', undefined, { headers: { 'retry-after': '2' } }));
    expect(overloaded.statusCode).toBe(503);
    expect(overloaded.headers).toEqual({ 'content-type': 'application/json; charset=utf-8', 'retry-after': '2' });
    expect((overloaded.body as ErrorBody).error.retryable).toBe(true);
  });

  it('a FunctionError is answered without logging an "unexpected failure"', () => {
    const { log, lines } = capturingLogger();
    errorResponse(badRequest('empty_request', 'no body'), log);
    expect(lines).toHaveLength(0);
  });
});

describe('jsonResponse', () => {
  it('sets a JSON content type and lets extra headers through', () => {
    const response = jsonResponse(202, { ok: true }, { 'x-request-id': 'abc' });
    expect(response).toEqual({ statusCode: 202, headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'abc' }, body: { ok: true } });
  });
});
