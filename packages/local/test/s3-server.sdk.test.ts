// The embedded S3 server against the real AWS SDK for JavaScript v3, with the SDK's default checksum
// behaviour (Buffer bodies carry x-amz-checksum-crc32; stream bodies go aws-chunked with a trailer and
// STREAMING-UNSIGNED-PAYLOAD-TRAILER) and with WHEN_REQUIRED (plain signed bodies), as RGW users set it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Server } from '../src/s3-server/index.ts';
import { sharedPath } from '../../../test/support/paths.ts';
import { client, failure, startServer } from './helpers.ts';

const photo = sharedPath('images/dog.jpg');
const md5 = (data: Uint8Array | string): string => createHash('md5').update(data).digest('hex');

for (const checksums of ['default', 'WHEN_REQUIRED'] as const) {
  describe(`S3 server with the AWS SDK (checksums: ${checksums})`, () => {
    let server: S3Server;
    let s3: S3Client;
    const requests: Array<{ method: string; url: string; status: number; payload?: string }> = [];
    const bucket = 'photos';

    beforeAll(async () => {
      server = await startServer({ onRequest: (e) => requests.push(e) });
      s3 = client(server, checksums);
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    });
    afterAll(async () => {
      s3?.destroy();
      await server?.close();
    });

    it('stores a Buffer body with metadata and content type, and reads it back with the MD5 ETag', async () => {
      const body = Buffer.from('a small text object\n');
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'notes/hello.txt', Body: body, ContentType: 'text/plain', Metadata: { Color: 'red', owner: 'me' } }));
      expect(put.ETag).toBe(`"${md5(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'notes/hello.txt' }));
      expect(await got.Body!.transformToString()).toBe(body.toString());
      expect(got.ContentType).toBe('text/plain');
      expect(got.Metadata).toEqual({ color: 'red', owner: 'me' });
      expect(got.ETag).toBe(put.ETag);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'notes/hello.txt' }));
      expect(head.ContentLength).toBe(body.length);
      expect(head.LastModified).toBeInstanceOf(Date);
    });

    it('stores a streamed file body byte for byte (aws-chunked with a checksum trailer by default)', async () => {
      const size = (await stat(photo)).size;
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'photos/dog.jpg', Body: createReadStream(photo), ContentLength: size, ContentType: 'image/jpeg' }));
      const original = await readFile(photo);
      expect(put.ETag).toBe(`"${md5(original)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'photos/dog.jpg' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(original)).toBe(true);
      expect(got.ContentLength).toBe(size);
      expect(got.ContentEncoding).toBeUndefined(); // aws-chunked is a transfer detail, not stored
      const sent = requests.find((r) => r.method === 'PUT' && r.url.startsWith('/photos/photos/dog.jpg'));
      expect(sent?.payload).toBe(checksums === 'default' ? 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' : 'UNSIGNED-PAYLOAD');
    });

    it('verifies the checksum the SDK computed, and returns it when asked (checksum mode)', async () => {
      const body = Buffer.from('checksummed');
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sum.txt', Body: body, ChecksumAlgorithm: 'CRC32C' }));
      expect(put.ChecksumCRC32C).toBeDefined();
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'sum.txt', ChecksumMode: 'ENABLED' }));
      expect(got.ChecksumCRC32C).toBe(put.ChecksumCRC32C);
      expect(await got.Body!.transformToString()).toBe('checksummed');
      // A wrong checksum is refused
      expect(await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad.txt', Body: body, ChecksumCRC32: 'AAAAAA==' })))).toMatchObject({ name: 'BadDigest', status: 400 });
      expect(await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'bad.txt' })))).toMatchObject({ status: 404 });
    });

    it('streams of unknown origin (Readable.from) also arrive intact', async () => {
      const data = Buffer.alloc(200_000, 7);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'stream.bin', Body: Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]), ContentLength: data.length }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'stream.bin' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    });

    it('serves byte ranges (206 with Content-Range) and refuses unsatisfiable ones (416)', async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'digits.txt', Body: '0123456789' }));
      const mid = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'digits.txt', Range: 'bytes=2-5' }));
      expect(await mid.Body!.transformToString()).toBe('2345');
      expect(mid.ContentRange).toBe('bytes 2-5/10');
      expect(mid.$metadata.httpStatusCode).toBe(206);
      const tail = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'digits.txt', Range: 'bytes=-3' }));
      expect(await tail.Body!.transformToString()).toBe('789');
      const open = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'digits.txt', Range: 'bytes=8-' }));
      expect(await open.Body!.transformToString()).toBe('89');
      expect(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'digits.txt', Range: 'bytes=10-12' })))).toMatchObject({ name: 'InvalidRange', status: 416 });
    });

    it('honours conditional requests: If-None-Match: * on PUT, If-Match / If-None-Match on GET', async () => {
      const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once.json', Body: '{"v":1}', IfNoneMatch: '*' }));
      expect(await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once.json', Body: '{"v":2}', IfNoneMatch: '*' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
      const still = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'once.json', IfMatch: first.ETag }));
      expect(await still.Body!.transformToString()).toBe('{"v":1}');
      expect(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'once.json', IfMatch: '"0123456789abcdef0123456789abcdef"' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
      expect(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'once.json', IfNoneMatch: first.ETag })))).toMatchObject({ status: 304 });
      // If-Match on PUT: replace only the version you read
      expect(await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once.json', Body: 'x', IfMatch: '"ffffffffffffffffffffffffffffffff"' })))).toMatchObject({ status: 412 });
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once.json', Body: '{"v":3}', IfMatch: first.ETag }));
    });

    it('lets exactly one of many concurrent If-None-Match: * writers win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'race.json', Body: `{"writer":${i}}`, IfNoneMatch: '*' }))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('lists with prefix, delimiter (CommonPrefixes), max-keys, continuation tokens and start-after', async () => {
      const b = `list-${checksums.toLowerCase().replace('_', '-')}`;
      await s3.send(new CreateBucketCommand({ Bucket: b }));
      const keys = ['a.jpg', 'b/1.jpg', 'b/2.jpg', 'b/sub/3.jpg', 'c/1.jpg', 'd.jpg', 'e/x/y.jpg', 'ü.jpg', 'space key.jpg'];
      for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: b, Key, Body: Key }));

      const all = await s3.send(new ListObjectsV2Command({ Bucket: b }));
      expect(all.Contents?.map((o) => o.Key)).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      expect(all.KeyCount).toBe(keys.length);

      const top = await s3.send(new ListObjectsV2Command({ Bucket: b, Delimiter: '/' }));
      expect(top.Contents?.map((o) => o.Key)).toEqual(['a.jpg', 'd.jpg', 'space key.jpg', 'ü.jpg']);
      expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/', 'c/', 'e/']);

      const inB = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'b/', Delimiter: '/' }));
      expect(inB.Contents?.map((o) => o.Key)).toEqual(['b/1.jpg', 'b/2.jpg']);
      expect(inB.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/sub/']);

      // pages of 2 over keys and common prefixes together: every entry exactly once
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: b, Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
        pages++;
        expect((page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0)).toBeLessThanOrEqual(2);
        seen.push(...(page.Contents ?? []).map((o) => o.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      expect(seen.sort()).toEqual(['a.jpg', 'b/', 'c/', 'd.jpg', 'e/', 'space key.jpg', 'ü.jpg'].sort());
      expect(pages).toBe(4);

      const after = await s3.send(new ListObjectsV2Command({ Bucket: b, StartAfter: 'c/1.jpg' }));
      expect(after.Contents?.map((o) => o.Key)).toEqual(['d.jpg', 'e/x/y.jpg', 'space key.jpg', 'ü.jpg']);

      const v1 = await s3.send(new ListObjectsCommand({ Bucket: b, Delimiter: '/', MaxKeys: 3 }));
      expect(v1.IsTruncated).toBe(true);
      const v1next = await s3.send(new ListObjectsCommand({ Bucket: b, Delimiter: '/', Marker: v1.NextMarker }));
      expect([...(v1.Contents ?? []), ...(v1next.Contents ?? [])].map((o) => o.Key)).toEqual(['a.jpg', 'd.jpg', 'space key.jpg', 'ü.jpg']);

      const url = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'space', EncodingType: 'url' }));
      expect(url.Contents?.map((o) => o.Key)).toEqual(['space%20key.jpg']);
    });

    it('copies objects (metadata kept, or replaced) and refuses a copy onto itself without changes', async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src.txt', Body: 'copy me', ContentType: 'text/plain', Metadata: { a: '1' } }));
      const copied = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst/copy.txt', CopySource: `${bucket}/src.txt` }));
      expect(copied.CopyObjectResult?.ETag).toBe(`"${md5('copy me')}"`);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dst/copy.txt' }));
      expect(head.Metadata).toEqual({ a: '1' });
      expect(head.ContentType).toBe('text/plain');
      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'src.txt', CopySource: `${bucket}/src.txt`, MetadataDirective: 'REPLACE', Metadata: { b: '2' } }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'src.txt' }))).Metadata).toEqual({ b: '2' });
      expect(await failure(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'src.txt', CopySource: `${bucket}/src.txt` })))).toMatchObject({ name: 'InvalidRequest' });
      expect(await failure(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'x', CopySource: `${bucket}/missing.txt` })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    });

    it('deletes one object (204 even when absent) and many at once (DeleteObjects, as `aws s3 rm --recursive`)', async () => {
      for (const k of ['del/1', 'del/2', 'del/3']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'del/1' }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'del/never-there' }));
      const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'del/2' }, { Key: 'del/3' }, { Key: 'del/none' }] } }));
      expect(out.Deleted?.map((d) => d.Key).sort()).toEqual(['del/2', 'del/3', 'del/none']);
      const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'del/none' }], Quiet: true } }));
      expect(quiet.Deleted ?? []).toEqual([]);
      const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'del/' }));
      expect(left.KeyCount).toBe(0);
    });

    it('manages buckets and answers S3 errors by name', async () => {
      const name = `tmp-${checksums.toLowerCase().replace('_', '-')}`;
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      expect(await failure(s3.send(new CreateBucketCommand({ Bucket: name })))).toMatchObject({ name: 'BucketAlreadyOwnedByYou', status: 409 });
      await s3.send(new HeadBucketCommand({ Bucket: name }));
      expect((await s3.send(new GetBucketLocationCommand({ Bucket: name }))).LocationConstraint).toBeUndefined();
      expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain(name);
      await s3.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'v' }));
      expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: name })))).toMatchObject({ name: 'BucketNotEmpty', status: 409 });
      await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'k' }));
      await s3.send(new DeleteBucketCommand({ Bucket: name }));
      expect(await failure(s3.send(new HeadBucketCommand({ Bucket: name })))).toMatchObject({ status: 404 });
      expect(await failure(s3.send(new ListObjectsV2Command({ Bucket: name })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
      expect(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'no/such/key' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
      expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'v' })))).toMatchObject({ name: 'NoSuchBucket' });
      expect(await failure(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).toMatchObject({ name: 'InvalidBucketName' });
    });
  });
}

describe('S3 server storage in a directory', () => {
  it('keeps buckets and objects (keys of any shape) across restarts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bml-s3-'));
    try {
      const first = await startServer({ storage: { directory: dir } });
      const s3a = client(first);
      await s3a.send(new CreateBucketCommand({ Bucket: 'kept' }));
      await s3a.send(new PutObjectCommand({ Bucket: 'kept', Key: '../odd/ key/with:colons/', Body: 'folder marker', Metadata: { m: 'v' } }));
      await s3a.send(new PutObjectCommand({ Bucket: 'kept', Key: 'a'.repeat(900), Body: 'long key' }));
      s3a.destroy();
      await first.close();

      const second = await startServer({ storage: { directory: dir } });
      const s3b = client(second);
      const listed = await s3b.send(new ListObjectsV2Command({ Bucket: 'kept' }));
      expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(['../odd/ key/with:colons/', 'a'.repeat(900)].sort());
      const got = await s3b.send(new GetObjectCommand({ Bucket: 'kept', Key: '../odd/ key/with:colons/' }));
      expect(await got.Body!.transformToString()).toBe('folder marker');
      expect(got.Metadata).toEqual({ m: 'v' });
      s3b.destroy();
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
