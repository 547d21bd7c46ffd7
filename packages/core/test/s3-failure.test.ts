// s3Failure: which S3 failures are permanent and which transient, in statuses Knative reads the same way
// (it retries 5xx, 404, 408, 409, 429 and nothing else: knative/eventing pkg/kncloudevents/retries.go).
// First with the SDK's own exception classes, then with errors a real RGW and a closed port produce.
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { knativeRetries } from '../../../test/support/knative-retries.ts';
import { rgwAccess } from '../../../test/support/rgw-clients.ts';
import { FunctionError } from '../src/errors.ts';
import { s3Failure } from '../src/s3.ts';

const meta = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'tx000001', attempts: 1, totalRetryDelay: 0 });
const serviceError = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: meta(status), message: name });

describe('s3Failure with the SDK exception shapes', () => {
  it.each([
    ['NoSuchKey', 410, 'object_gone', new NoSuchKey({ $metadata: meta(404), message: 'The specified key does not exist.' })],
    ['NotFound (HEAD has no body, so no code)', 410, 'object_gone', new NotFound({ $metadata: meta(404), message: 'NotFound' })],
    ['NoSuchVersion', 410, 'object_gone', serviceError('NoSuchVersion', 404)],
    ['NoSuchBucket', 410, 'bucket_gone', new NoSuchBucket({ $metadata: meta(404), message: 'The specified bucket does not exist' })],
    ['AccessDenied', 403, 'access_denied', serviceError('AccessDenied', 403)],
    ['InvalidAccessKeyId', 403, 'access_denied', serviceError('InvalidAccessKeyId', 403)],
    ['SignatureDoesNotMatch', 403, 'access_denied', serviceError('SignatureDoesNotMatch', 403)],
    ['PreconditionFailed', 412, 'object_changed', serviceError('PreconditionFailed', 412)],
    ['SlowDown 503', 503, 'storage_unavailable', serviceError('SlowDown', 503)],
    ['InternalError 500', 503, 'storage_unavailable', serviceError('InternalError', 500)],
    ['ServiceUnavailable 503', 503, 'storage_unavailable', serviceError('ServiceUnavailable', 503)],
    ['429 throttling', 503, 'storage_unavailable', serviceError('TooManyRequests', 429)],
    ['408 request timeout', 503, 'storage_unavailable', serviceError('RequestTimeout', 408)],
    ['409 conflicting operation in progress', 503, 'storage_unavailable', serviceError('OperationAborted', 409)],
    ['another 4xx (InvalidArgument 400)', 422, 'storage_rejected', serviceError('InvalidArgument', 400)],
    ['another 4xx (KeyTooLongError 400)', 422, 'storage_rejected', serviceError('KeyTooLongError', 400)],
    ['another 4xx (MethodNotAllowed 405: a delete marker)', 422, 'storage_rejected', serviceError('MethodNotAllowed', 405)],
    ['another 4xx (InvalidRange 416)', 422, 'storage_rejected', serviceError('InvalidRange', 416)],
  ] as const)('%s → %i %s', (_label, status, code, error) => {
    const failure = s3Failure(error, 'reading s3://photos/dog.jpg');
    expect(failure).toBeInstanceOf(FunctionError);
    expect(failure.status).toBe(status);
    expect(failure.code).toBe(code);
    expect(failure.retryable).toBe(status >= 500);
    // Knative's reading of the status agrees: permanent ones are final, transient ones retried
    expect(knativeRetries(status)).toBe(failure.retryable);
    expect(failure.message).toMatch(/^reading s3:\/\/photos\/dog\.jpg: /);
    expect(failure.cause).toBe(error);
  });

  it('a network error (no $metadata, name Error, code ECONNREFUSED) → 503, retried', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7480'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
    const failure = s3Failure(error, 'reading s3://photos/dog.jpg');
    expect(failure.status).toBe(503);
    expect(failure.code).toBe('storage_unavailable');
    expect(failure.retryable).toBe(true);
  });

  it('timeouts and whatever else is thrown → 503', () => {
    const timeout = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    for (const thrown of [timeout, 'a string', undefined, null, 42]) expect(s3Failure(thrown, 'x').status).toBe(503);
  });

  it('the message names what was attempted and the error name, never the cause message', () => {
    const failure = s3Failure(Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:7480'), { code: 'ECONNREFUSED' }), 'storing s3://photos/results/x.json');
    expect(failure.message).toContain('storing s3://photos/results/x.json');
    expect(failure.message).not.toContain('10.1.2.3');
  });
});

describe('s3Failure with errors real clients produce', () => {
  it('a refused connection (nothing listens on the port) → 503', async () => {
    const s3 = new S3Client({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      forcePathStyle: true,
      maxAttempts: 1,
    });
    try {
      const error = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'dog.jpg' })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeDefined();
      expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeUndefined();
      const failure = s3Failure(error, 'reading s3://photos/dog.jpg');
      expect(failure.status).toBe(503);
      expect(failure.retryable).toBe(true);
    } finally {
      s3.destroy();
    }
  });

  describe('against the real Ceph RGW', () => {
    const rgw = rgwAccess();
    const config = (secretAccessKey = rgw.secretKey): S3ClientConfig => ({
      endpoint: rgw.endpoint,
      region: rgw.region,
      credentials: { accessKeyId: rgw.accessKey, secretAccessKey },
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    });
    const s3 = new S3Client(config());
    const Bucket = `t-s3fail-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    afterAll(() => s3.destroy());

    const failureOf = async (send: Promise<unknown>): Promise<FunctionError> => {
      const error = await send.then(
        () => {
          throw new Error('the request succeeded');
        },
        (e: unknown) => e,
      );
      return s3Failure(error, 'test');
    };

    it('NoSuchKey, NotFound (HEAD), NoSuchBucket, bad credentials, If-Match and If-None-Match', async () => {
      await s3.send(new CreateBucketCommand({ Bucket }));
      const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'a' }));

      expect(await failureOf(s3.send(new GetObjectCommand({ Bucket, Key: 'missing.jpg' })))).toMatchObject({ status: 410, code: 'object_gone' });
      expect(await failureOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'missing.jpg' })))).toMatchObject({ status: 410, code: 'object_gone' });
      expect(await failureOf(s3.send(new GetObjectCommand({ Bucket: `${Bucket}-none`, Key: 'a.txt' })))).toMatchObject({ status: 410, code: 'bucket_gone' });

      const wrongKey = new S3Client(config('not-the-secret'));
      try {
        expect(await failureOf(wrongKey.send(new GetObjectCommand({ Bucket, Key: 'a.txt' })))).toMatchObject({ status: 403, code: 'access_denied' });
      } finally {
        wrongKey.destroy();
      }

      // an object overwritten since the event: GET If-Match the old eTag
      expect(put.ETag).toBeTruthy();
      expect(await failureOf(s3.send(new GetObjectCommand({ Bucket, Key: 'a.txt', IfMatch: '"0123456789abcdef0123456789abcdef"' })))).toMatchObject({
        status: 412,
        code: 'object_changed',
      });
      // storing a result twice: PUT If-None-Match * on an existing key (how classify avoids duplicate results)
      expect(await failureOf(s3.send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'b', IfNoneMatch: '*' })))).toMatchObject({
        status: 412,
        code: 'object_changed',
      });
    });
  });
});
