// Signature V4 as S3 verifies it: only the configured key pair works, header and presigned-URL
// authentication, payload hashes, and chunk signatures checked against AWS's published example.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Server } from '../src/s3-server/index.ts';
import { chunkSignature, signingKey, trailerSignature } from '../src/s3-server/sigv4.ts';
import { checksumOf } from '../src/s3-server/checksums.ts';
import { client, CREDENTIALS, startServer } from './helpers.ts';

function rawRequest(url: string, options: { method: string; path: string; headers: Record<string, string>; body?: Buffer | string }): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, method: options.method, path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const code = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

describe('S3 server authentication', () => {
  let server: S3Server;
  let s3: S3Client;

  beforeAll(async () => {
    server = await startServer();
    s3 = client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'private' }));
    await s3.send(new PutObjectCommand({ Bucket: 'private', Key: 'secret.txt', Body: 'only for key holders' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.close();
  });

  it('accepts only the configured key pair', async () => {
    const wrongSecret = client(server, 'default', { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });
    await expect(wrongSecret.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    const wrongKey = client(server, 'default', { accessKeyId: 'someone-else', secretAccessKey: CREDENTIALS.secretAccessKey });
    await expect(wrongKey.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } });
    wrongSecret.destroy();
    wrongKey.destroy();
  });

  it('refuses anonymous requests with AccessDenied', async () => {
    const res = await fetch(`${server.url}/private/secret.txt`);
    expect(res.status).toBe(403);
    expect(code(await res.text())).toBe('AccessDenied');
  });

  it('explains a signature mismatch with the canonical request it computed', async () => {
    const res = await fetch(`${server.url}/private/secret.txt`, {
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        'x-amz-date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''),
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
    });
    expect(res.status).toBe(403);
    const xml = await res.text();
    // the credential date does not match x-amz-date (unless this runs on 2026-01-01)
    expect(code(xml)).toBe('SignatureDoesNotMatch');
  });

  it('serves presigned GET and PUT URLs made by @aws-sdk/s3-request-presigner, and refuses them once expired or altered', async () => {
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'private', Key: 'secret.txt' }), { expiresIn: 60 });
    const got = await fetch(getUrl);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('only for key holders');

    const altered = getUrl.replace('secret.txt', 'other.txt');
    const denied = await fetch(altered);
    expect(denied.status).toBe(403);
    expect(code(await denied.text())).toBe('SignatureDoesNotMatch');

    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'private', Key: 'uploaded via url.txt' }), { expiresIn: 60 });
    const put = await fetch(putUrl, { method: 'PUT', body: 'sent with a presigned URL' });
    expect(put.status).toBe(200);
    const back = await s3.send(new GetObjectCommand({ Bucket: 'private', Key: 'uploaded via url.txt' }));
    expect(await back.Body!.transformToString()).toBe('sent with a presigned URL');

    const expiring = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'private', Key: 'secret.txt' }), { expiresIn: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await fetch(expiring);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/expired/);
  });

  it('checks a signed payload hash against the body that arrived', async () => {
    // sign a request for one body, send another: the signature is valid, the body is not
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await import('./sha256.ts');
    const signer = new SignatureV4({ credentials: CREDENTIALS, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const url = new URL(server.url);
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/private/tampered.txt',
      headers: { host: url.host, 'x-amz-content-sha256': createHash('sha256').update('original').digest('hex') },
      body: 'original',
    });
    const res = await rawRequest(server.url, { method: 'PUT', path: '/private/tampered.txt', headers: signed.headers as Record<string, string>, body: 'tampered' });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('XAmzContentSHA256Mismatch');
    const ok = await rawRequest(server.url, { method: 'PUT', path: '/private/tampered.txt', headers: signed.headers as Record<string, string>, body: 'original' });
    expect(ok.status).toBe(200);
  });
});

describe('aws-chunked uploads with signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  // AWS's published example ("Signature Calculations for the Authorization Header: Transferring
  // Payload in Multiple Chunks"): 66560 bytes of 'a' in chunks of 64 KiB and 1 KiB, signed with the
  // documentation key pair on 2013-05-24; the signatures below are the ones AWS documents.
  const docsCredentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  const seed = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  const documented = [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ];
  const headers = {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${seed}`,
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'content-length': '66824',
  };
  const chunks = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a'), Buffer.alloc(0)];
  const body = (signatures: string[]): Buffer =>
    Buffer.concat([...chunks.flatMap((c, i) => [Buffer.from(`${c.length.toString(16)};chunk-signature=${signatures[i]}\r\n`), c, Buffer.from('\r\n')])]);

  let server: S3Server;
  beforeAll(async () => {
    server = await startServer({ credentials: docsCredentials, now: () => new Date('2013-05-24T00:05:00Z') });
    await server.ensureBucket('examplebucket');
  });
  afterAll(async () => server?.close());

  it('computes the documented chunk signatures', () => {
    const auth = { signingKey: signingKey(docsCredentials.secretAccessKey, '20130524', 'us-east-1', 's3'), amzDate: '20130524T000000Z', scope: '20130524/us-east-1/s3/aws4_request' };
    let previous = seed;
    chunks.forEach((c, i) => {
      previous = chunkSignature(auth, previous, c);
      expect(previous).toBe(documented[i]);
    });
  });

  it('accepts the documented request and stores the decoded 66560 bytes', async () => {
    expect(body(documented).length).toBe(66824);
    const res = await rawRequest(server.url, { method: 'PUT', path: '/examplebucket/chunkObject.txt', headers, body: body(documented) });
    expect(res.body).toBe('');
    expect(res.status).toBe(200);
    const stored = await server.store.read('examplebucket', 'chunkObject.txt');
    expect(stored.equals(Buffer.alloc(66560, 'a'))).toBe(true);
  });

  it('refuses a chunk whose content or signature was altered', async () => {
    const altered = body(documented);
    altered[200] = 'b'.charCodeAt(0);
    const res = await rawRequest(server.url, { method: 'PUT', path: '/examplebucket/altered.txt', headers, body: altered });
    expect(res.status).toBe(403);
    expect(code(res.body)).toBe('SignatureDoesNotMatch');
    expect(server.store.head('examplebucket', 'altered.txt')).toBeUndefined();
  });

  it('verifies a signed trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER) and its checksum', async () => {
    const now = new Date();
    const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const date = amzDate.slice(0, 8);
    const live = await startServer({ credentials: docsCredentials });
    try {
      await live.ensureBucket('examplebucket');
      const data = Buffer.from('trailing checksum payload');
      const crc = checksumOf('crc32', data);
      const send = async (trailerValue: string) => {
        const { SignatureV4 } = await import('@smithy/signature-v4');
        const { Sha256 } = await import('./sha256.ts');
        const signer = new SignatureV4({ credentials: docsCredentials, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
        const url = new URL(live.url);
        const signed = await signer.sign(
          {
            method: 'PUT',
            protocol: 'http:',
            hostname: url.hostname,
            port: Number(url.port),
            path: '/examplebucket/trailer.txt',
            headers: {
              host: url.host,
              'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
              'content-encoding': 'aws-chunked',
              'x-amz-decoded-content-length': String(data.length),
              'x-amz-trailer': 'x-amz-checksum-crc32',
            },
          },
          { signingDate: now },
        );
        const seedSig = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))![1]!;
        const auth = { signingKey: signingKey(docsCredentials.secretAccessKey, date, 'us-east-1', 's3'), amzDate, scope: `${date}/us-east-1/s3/aws4_request` };
        const s1 = chunkSignature(auth, seedSig, data);
        const s2 = chunkSignature(auth, s1, Buffer.alloc(0));
        const trailer = `x-amz-checksum-crc32:${trailerValue}\n`;
        const ts = trailerSignature(auth, s2, trailer);
        const payload = Buffer.concat([
          Buffer.from(`${data.length.toString(16)};chunk-signature=${s1}\r\n`),
          data,
          Buffer.from(`\r\n0;chunk-signature=${s2}\r\nx-amz-checksum-crc32:${trailerValue}\r\nx-amz-trailer-signature:${ts}\r\n\r\n`),
        ]);
        return rawRequest(live.url, { method: 'PUT', path: '/examplebucket/trailer.txt', headers: { ...(signed.headers as Record<string, string>), 'content-length': String(payload.length) }, body: payload });
      };
      expect((await send(crc)).status).toBe(200);
      expect((await live.store.read('examplebucket', 'trailer.txt')).toString()).toBe('trailing checksum payload');
      const wrong = await send('AAAAAA==');
      expect(wrong.status).toBe(400);
      expect(code(wrong.body)).toBe('BadDigest');
    } finally {
      await live.close();
    }
  });
});
