// modelLocationDeps: model loading's own S3 credentials, and errors that name whose keys were refused.
import { afterAll, describe, expect, it } from 'vitest';
import { rgwAccess, s3For, uniqueName } from '../../../test/support/rgw-clients.ts';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ConfigError } from '../src/config.ts';
import { readLocation } from '../src/location.ts';
import { modelLocationDeps, modelS3EnvSchema } from '../src/model-s3.ts';
import { s3EnvSchema } from '../src/s3.ts';

const parse = (env: Record<string, string>) => ({ ...s3EnvSchema.parse(env), ...modelS3EnvSchema.parse(env) });

describe('modelLocationDeps', () => {
  it('refuses half a key pair, naming the missing variable', () => {
    expect(() => modelLocationDeps(parse({ MODEL_S3_ACCESS_KEY_ID: 'AKIA' }))).toThrow(ConfigError);
    expect(() => modelLocationDeps(parse({ MODEL_S3_SECRET_ACCESS_KEY: 's' }))).toThrow(/MODEL_S3_ACCESS_KEY_ID: is required when MODEL_S3_SECRET_ACCESS_KEY is set/);
  });

  it('refuses an endpoint that is not http(s)', () => {
    expect(modelS3EnvSchema.safeParse({ MODEL_S3_ENDPOINT_URL: 'ftp://rgw' }).success).toBe(false);
  });

  describe('on the real RGW', () => {
    const rgw = rgwAccess();
    const owner = s3For(rgw);
    const bucket = uniqueName('model-s3');
    afterAll(() => owner.destroy());

    it('reads with the model credentials (at MODEL_S3_ENDPOINT_URL when set, else the function endpoint) and names them when refused', async () => {
      await owner.send(new CreateBucketCommand({ Bucket: bucket }));
      await owner.send(new PutObjectCommand({ Bucket: bucket, Key: 'm/model.json', Body: '{"format":"graph-model"}' }));
      const loc = { kind: 's3' as const, bucket, key: 'm/model.json' };
      const good = modelLocationDeps(parse({ AWS_ENDPOINT_URL: rgw.endpoint, AWS_REGION: rgw.region, MODEL_S3_ACCESS_KEY_ID: rgw.accessKey, MODEL_S3_SECRET_ACCESS_KEY: rgw.secretKey }));
      expect(new TextDecoder().decode(await readLocation(loc, good))).toContain('graph-model');
      const wrong = modelLocationDeps(parse({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1', MODEL_S3_ENDPOINT_URL: rgw.endpoint, AWS_REGION: rgw.region, MODEL_S3_ACCESS_KEY_ID: 'NOSUCHKEY0000000000X', MODEL_S3_SECRET_ACCESS_KEY: 'x'.repeat(40) }));
      await expect(readLocation(loc, wrong)).rejects.toMatchObject({
        status: 403,
        message: `reading s3://${bucket}/m/model.json with the model credentials (MODEL_S3_ACCESS_KEY_ID NOSUCHKEY0000000000X): access denied by the object store`,
      });
    });
  });
});
