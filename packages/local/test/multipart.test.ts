// Multipart uploads of the embedded S3 server with the real AWS SDK: the managed upload clients use
// (@aws-sdk/lib-storage's Upload, what the AWS CLI does above 8 MB), the low-level commands with
// streamed (aws-chunked) parts and checksums, S3's errors for a bad part list, conditional completion,
// and the ObjectCreated:CompleteMultipartUpload notification.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { S3Server } from '../src/s3-server/index.ts';
import { sharedPath } from '../../../test/support/paths.ts';
import { client, failure, startReceiver, startServer, until } from './helpers.ts';

const MiB = 1024 * 1024;
const md5 = (data: Uint8Array): Buffer => createHash('md5').update(data).digest();
/** S3's multipart ETag, computed here from the bytes: MD5 of the parts' MD5s, `-<parts>`. */
const multipartEtag = (parts: Buffer[]): string => `"${createHash('md5').update(Buffer.concat(parts.map(md5))).digest('hex')}-${parts.length}"`;
const crc32Base64 = (data: Uint8Array): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data));
  return out.toString('base64');
};
/** Distinct bytes per part, so a part put in the wrong place changes the object. */
const bytes = (size: number, seed: number): Buffer => {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) out.writeUInt32BE((seed * 2654435761 + i) >>> 0, i);
  return out;
};

for (const checksums of ['default', 'WHEN_REQUIRED'] as const) {
  describe(`multipart uploads with the AWS SDK (checksums: ${checksums})`, () => {
    let server: S3Server;
    let s3: S3Client;
    const bucket = 'multipart';
    const requests: Array<{ method: string; url: string; payload?: string }> = [];

    beforeAll(async () => {
      server = await startServer({ onRequest: (e) => requests.push(e) });
      await server.ensureBucket(bucket);
      s3 = client(server, checksums);
    });
    afterAll(async () => {
      s3?.destroy();
      await server?.close();
    });

    it('stores what lib-storage Upload sends in 3 parts, with the multipart ETag S3 gives', async () => {
      const parts = [bytes(5 * MiB, 1), bytes(5 * MiB, 2), bytes(2 * MiB + 7, 3)];
      const body = Buffer.concat(parts);
      const done = await new Upload({ client: s3, params: { Bucket: bucket, Key: 'managed/big.bin', Body: body, ContentType: 'application/x-test' }, partSize: 5 * MiB }).done();
      expect(done.ETag).toBe(multipartEtag(parts));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'managed/big.bin' }));
      expect(got.ContentLength).toBe(body.length);
      expect(got.ContentType).toBe('application/x-test');
      expect(got.ETag).toBe(multipartEtag(parts));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      // one part by number, as S3 serves it
      const part = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'managed/big.bin', PartNumber: 2 }));
      expect(part).toMatchObject({ PartsCount: 3, ContentLength: parts[1]!.length, ContentRange: `bytes ${5 * MiB}-${10 * MiB - 1}/${body.length}` });
      expect(Buffer.from(await part.Body!.transformToByteArray()).equals(parts[1]!)).toBe(true);
      expect(await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'managed/big.bin', PartNumber: 4 })))).toMatchObject({ status: 416 });
      // nothing left in progress
      const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      expect(listed.Uploads ?? []).toEqual([]);
    });

    it('takes streamed parts (aws-chunked by default), lists parts and uploads, and keeps the metadata given at creation', async () => {
      const key = 'low level/photo 1.jpg';
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'image/jpeg', Metadata: { camera: 'x100' } }));
      const uploadId = created.UploadId!;
      const parts = [bytes(5 * MiB, 4), bytes(300_000, 5)];
      const etags: string[] = [];
      for (const [i, part] of parts.entries()) {
        const out = await s3.send(
          new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: i + 1, Body: Readable.from([part.subarray(0, 1000), part.subarray(1000)]), ContentLength: part.length }),
        );
        expect(out.ETag).toBe(`"${md5(part).toString('hex')}"`);
        etags.push(out.ETag!);
      }
      const partRequests = requests.filter((r) => r.method === 'PUT' && r.url.includes(encodeURIComponent(uploadId)));
      expect(partRequests.map((r) => r.payload)).toEqual(
        checksums === 'default' ? ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'] : ['UNSIGNED-PAYLOAD', 'UNSIGNED-PAYLOAD'],
      );
      const listedParts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      expect(listedParts.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
        [1, etags[0], parts[0]!.length],
        [2, etags[1], parts[1]!.length],
      ]);
      expect(listedParts.IsTruncated).toBe(false);
      const page = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MaxParts: 1 }));
      expect(page).toMatchObject({ IsTruncated: true, NextPartNumberMarker: '1' });
      const next = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: '1' }));
      expect(next.Parts?.map((p) => p.PartNumber)).toEqual([2]);
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'low level/' }));
      expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([[key, uploadId]]);

      const done = await s3.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
      );
      expect(done).toMatchObject({ Bucket: bucket, Key: key, ETag: multipartEtag(parts) });
      expect(done.Location).toBe(`${server.url}/${bucket}/low%20level/photo%201.jpg`);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head).toMatchObject({ ContentLength: 5 * MiB + 300_000, ContentType: 'image/jpeg', Metadata: { camera: 'x100' }, ETag: multipartEtag(parts) });
      // the upload is gone; a retried completion (response lost) gets the same answer
      expect(await failure(s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
      const again = await s3.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
      );
      expect(again.ETag).toBe(done.ETag);
    });

    it('lists uploads in pages (key and upload-id markers) and by folder (delimiter)', async () => {
      const started: Array<[string, string]> = [];
      for (const key of ['pages/b.bin', 'pages/a.bin', 'pages/a.bin', 'pages/sub/c.bin']) {
        const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
        started.push([key, UploadId!]);
      }
      const seen: Array<[string, string]> = [];
      let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
      for (let page = 0; page < 5; page++) {
        const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'pages/', MaxUploads: 2, ...markers }));
        seen.push(...(out.Uploads ?? []).map((u): [string, string] => [u.Key!, u.UploadId!]));
        if (!out.IsTruncated) break;
        markers = { KeyMarker: out.NextKeyMarker!, UploadIdMarker: out.NextUploadIdMarker! };
      }
      // by key, then in the order they were started
      expect(seen).toEqual([started[1], started[2], started[0], started[3]]);
      const folders = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'pages/', Delimiter: '/' }));
      expect(folders.Uploads?.map((u) => u.Key)).toEqual(['pages/a.bin', 'pages/a.bin', 'pages/b.bin']);
      expect(folders.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['pages/sub/']);
      for (const [Key, UploadId] of started) await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId }));
    });

    it('answers a bad part list with S3 error codes, and the upload survives them', async () => {
      const key = 'errors.bin';
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const small = [bytes(1000, 6), bytes(1000, 7)];
      const put = async (n: number, body: Buffer): Promise<CompletedPart> => ({
        PartNumber: n,
        ETag: (await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: body }))).ETag!,
      });
      const [p1, p2] = [await put(1, small[0]!), await put(2, small[1]!)];
      const complete = (Parts: CompletedPart[], id = UploadId) => s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts } }));

      expect(await failure(complete([p2, p1]))).toMatchObject({ name: 'InvalidPartOrder', status: 400 });
      expect(await failure(complete([p1, { ...p2, PartNumber: 3 }]))).toMatchObject({ name: 'InvalidPart', status: 400 });
      expect(await failure(complete([p1, { ...p2, ETag: `"${'0'.repeat(32)}"` }]))).toMatchObject({ name: 'InvalidPart', status: 400 });
      expect(await failure(complete([p1, p2]))).toMatchObject({ name: 'EntityTooSmall', status: 400 });
      expect(await failure(complete([]))).toMatchObject({ name: 'MalformedXML', status: 400 });
      expect(await failure(complete([p1], 'no-such-upload'))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
      expect(await failure(s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 0, Body: 'x' })))).toMatchObject({ name: 'InvalidArgument', status: 400 });
      expect(await failure(s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 10_001, Body: 'x' })))).toMatchObject({ name: 'InvalidArgument', status: 400 });
      expect(await failure(s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'other-key', UploadId, PartNumber: 1, Body: 'x' })))).toMatchObject({ name: 'NoSuchUpload' });

      // a single part may be small (it is the last); a part sent again replaces the earlier one
      const replaced = await put(1, bytes(10, 8));
      const done = await complete([replaced]);
      expect(done.ETag).toBe(multipartEtag([bytes(10, 8)]));
    });

    it('aborts: 204, the parts are gone, and the upload id is unknown from then on', async () => {
      const key = 'aborted.bin';
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: bytes(100, 9) }));
      const aborted = await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
      expect(aborted.$metadata.httpStatusCode).toBe(204);
      expect(await failure(s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
      expect(await failure(s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: 'x' })))).toMatchObject({ name: 'NoSuchUpload' });
      expect(await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toMatchObject({ status: 404 });
    });

    it('completes conditionally: If-None-Match: * refuses to overwrite (412) and keeps the upload', async () => {
      const key = 'conditional.bin';
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'first' }));
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'second' }));
      const request = { Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } };
      expect(await failure(s3.send(new CompleteMultipartUploadCommand({ ...request, IfNoneMatch: '*' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await got.Body!.transformToString()).toBe('first');
      await s3.send(new CompleteMultipartUploadCommand(request));
      const after = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await after.Body!.transformToString()).toBe('second');
    });

    it('copies byte ranges of another object as parts (UploadPartCopy, as the AWS CLI copies large objects)', async () => {
      const source = Buffer.concat([bytes(5 * MiB, 15), bytes(1 * MiB, 16)]);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'copy/source.bin', Body: source }));
      const key = 'copy/target.bin';
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const ranges: Array<[number, number]> = [
        [0, 5 * MiB - 1],
        [5 * MiB, source.length - 1],
      ];
      const parts: CompletedPart[] = [];
      for (const [i, [first, last]] of ranges.entries()) {
        const out = await s3.send(
          new UploadPartCopyCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, CopySource: `${bucket}/copy/source.bin`, CopySourceRange: `bytes=${first}-${last}` }),
        );
        expect(out.CopyPartResult?.ETag).toBe(`"${md5(source.subarray(first, last + 1)).toString('hex')}"`);
        parts.push({ PartNumber: i + 1, ETag: out.CopyPartResult!.ETag! });
      }
      const bad = s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 3, CopySource: `${bucket}/copy/source.bin`, CopySourceRange: `bytes=0-${source.length}` }));
      expect(await failure(bad)).toMatchObject({ name: 'InvalidArgument', status: 400 });
      const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
      expect(done.ETag).toBe(multipartEtag(ranges.map(([first, last]) => source.subarray(first, last + 1))));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(source)).toBe(true);
      // CopyObject of a multipart object makes a one-part object, with the plain MD5 ETag
      const copied = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy/flat.bin', CopySource: `${bucket}/${key}` }));
      expect(copied.CopyObjectResult?.ETag).toBe(`"${md5(source).toString('hex')}"`);
    });

    it('keeps part checksums and gives the COMPOSITE CRC32 of the object (checksum of the part checksums, -N)', async () => {
      const key = 'checksummed.bin';
      const parts = [bytes(5 * MiB, 10), bytes(4321, 11)];
      const { UploadId, ChecksumAlgorithm } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'CRC32' }));
      expect(ChecksumAlgorithm).toBe('CRC32');
      const completed: CompletedPart[] = [];
      for (const [i, part] of parts.entries()) {
        const out = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: part, ChecksumAlgorithm: 'CRC32' }));
        expect(out.ChecksumCRC32).toBe(crc32Base64(part));
        completed.push({ PartNumber: i + 1, ETag: out.ETag!, ChecksumCRC32: out.ChecksumCRC32! });
      }
      const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
      expect(listed.Parts?.map((p) => p.ChecksumCRC32)).toEqual(parts.map(crc32Base64));
      const wrong = completed.map((p, i) => (i === 1 ? { ...p, ChecksumCRC32: crc32Base64(Buffer.from('other')) } : p));
      expect(await failure(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: wrong } })))).toMatchObject({ name: 'InvalidPart' });

      const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: completed } }));
      const composite = `${crc32Base64(Buffer.concat(parts.map((p) => Buffer.from(crc32Base64(p), 'base64'))))}-2`;
      expect(done).toMatchObject({ ChecksumCRC32: composite, ChecksumType: 'COMPOSITE' });
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
      expect(head).toMatchObject({ ChecksumCRC32: composite, ChecksumType: 'COMPOSITE' });
    });
  });
}

describe('multipart upload notifications', () => {
  let server: S3Server;
  let s3: S3Client;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startServer();
    await server.ensureBucket('notify-mpu');
    server.setBucketNotifications('notify-mpu', [
      { id: 'completed', events: ['s3:ObjectCreated:CompleteMultipartUpload'], endpoint: receiver.url },
      { id: 'put-only', events: ['s3:ObjectCreated:Put'], endpoint: receiver.url },
    ]);
    s3 = client(server);
  });
  afterEach(() => {
    receiver.received.length = 0;
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.close();
    await receiver?.close();
  });

  it('sends one ObjectCreated:CompleteMultipartUpload record, shaped like RGW 16 records, with the multipart ETag and the whole size', async () => {
    const capture = JSON.parse(await readFile(sharedPath('reference/ceph-rgw-16.2/samples/non-persistent.json'), 'utf8')) as { body: { Records: Array<Record<string, unknown>> } };
    const parts = [bytes(5 * MiB, 12), bytes(5 * MiB, 13), bytes(1234, 14)];
    const done = await new Upload({ client: s3, params: { Bucket: 'notify-mpu', Key: 'camera/IMG_0001.jpg', Body: Buffer.concat(parts), Metadata: { color: 'red' } }, partSize: 5 * MiB }).done();
    await until(() => receiver.received.length > 0, 5000, 'the notification');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(1); // not one per part, and not the Put configuration
    const record = (JSON.parse(receiver.received[0]!.body) as { Records: Array<Record<string, unknown> & { s3: { object: Record<string, unknown> } }> }).Records[0]!;
    expect(Object.keys(record)).toEqual(Object.keys(capture.body.Records[0]!));
    expect(Object.keys(record.s3.object)).toEqual(Object.keys((capture.body.Records[0]!.s3 as { object: object }).object));
    expect(record).toMatchObject({ eventName: 'ObjectCreated:CompleteMultipartUpload', s3: { configurationId: 'completed' } });
    expect(record.s3.object).toMatchObject({ key: 'camera/IMG_0001.jpg', size: 10 * MiB + 1234, eTag: multipartEtag(parts).slice(1, -1) });
    expect(`"${String(record.s3.object.eTag)}"`).toBe(done.ETag);
    expect(record.eventId).toMatch(new RegExp(`\\.${String(record.s3.object.eTag)}$`));
    // the metadata given at creation is in the record, as RGW reports it, among the request's x-amz-* headers
    const metadata = record.s3.object.metadata as Array<{ key: string; val: string }>;
    expect(metadata).toContainEqual({ key: 'x-amz-meta-color', val: 'red' });
    expect(metadata.map((m) => m.key)).toEqual([...metadata.map((m) => m.key)].sort());
  });
});
