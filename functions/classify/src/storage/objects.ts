import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FunctionError, s3Failure } from '../vendor/core/index.js';

export interface FetchedObject {
  bytes: Uint8Array;
  eTag?: string;
  versionId?: string;
  contentType?: string;
}

/**
 * Reads exactly the version the event names: by versionId, or guarded by If-Match on the eTag, so an
 * object overwritten since the event is not classified under the old version's name.
 */
export async function fetchObject(
  s3: S3Client,
  target: { bucket: string; key: string; versionId?: string; eTag?: string },
  maxBytes: number,
): Promise<FetchedObject> {
  const what = `reading s3://${target.bucket}/${target.key}`;
  let out;
  try {
    out = await s3.send(
      new GetObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        ...(target.versionId ? { VersionId: target.versionId } : target.eTag ? { IfMatch: `"${target.eTag}"` } : {}),
      }),
    );
  } catch (error) {
    throw s3Failure(error, what);
  }
  const body = out.Body;
  if (!body) throw new FunctionError(410, 'object_gone', `${what}: empty response`);
  if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
    // Do not download what we will refuse anyway.
    (body as { destroy?: () => void }).destroy?.();
    throw new FunctionError(413, 'object_too_large', `the object is ${out.ContentLength} bytes; MAX_OBJECT_BYTES is ${maxBytes}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await body.transformToByteArray();
  } catch (error) {
    throw s3Failure(error, what);
  }
  const eTag = out.ETag?.replace(/^"|"$/g, '');
  return {
    bytes,
    ...(eTag ? { eTag } : {}),
    ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
    ...(out.ContentType ? { contentType: out.ContentType } : {}),
  };
}

/**
 * The text stored at a key, or undefined when there is none. A HEAD first: on Ceph RGW a GET of a
 * missing key costs ~45 ms more than a HEAD (its error answer stalls on the client's delayed ACK,
 * measured on RGW 16), and most keys asked for here (results of new uploads) do not exist yet.
 */
export async function readTextIfPresent(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  const what = `reading s3://${bucket}/${key}`;
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await out.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    const failure = s3Failure(error, what);
    // absent, or removed between the HEAD and the GET
    if (failure.code === 'object_gone') return undefined;
    throw failure;
  }
}

/**
 * Writes a JSON object only if nothing is there yet (If-None-Match: *), so two instances handling
 * the same re-delivered event cannot both store a result. Returns false when one already existed.
 */
export async function putJsonIfAbsent(s3: S3Client, bucket: string, key: string, value: unknown): Promise<boolean> {
  try {
    await putJsonObject(s3, bucket, key, value, 'result', true);
    return true;
  } catch (error) {
    const failure = s3Failure(error, `storing s3://${bucket}/${key}`);
    if (failure.code === 'object_changed') return false;
    throw failure;
  }
}

/** Writes a failure document, over an earlier one: the latest attempt says best why it failed. */
export async function putFailureJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<void> {
  try {
    await putJsonObject(s3, bucket, key, value, 'failure', false);
  } catch (error) {
    throw s3Failure(error, `storing s3://${bucket}/${key}`);
  }
}

async function putJsonObject(s3: S3Client, bucket: string, key: string, value: unknown, kind: 'result' | 'failure', ifAbsent: boolean): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(value, null, 2),
      ContentType: 'application/json',
      ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
      Metadata: { 'bucket-ml': kind },
    }),
  );
}
