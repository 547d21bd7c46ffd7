/**
 * AWS Signature Version 4 verification for S3, against one configured key pair: the Authorization
 * header (payload signed, unsigned, or streamed in aws-chunked chunks) and presigned URLs (query
 * parameters). The server computes the signature from the request as received and compares it in
 * constant time; nothing about the request is trusted before that.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { errors, S3Error } from './errors.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
/** Clock skew S3 tolerates between the request time and its own. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_EXPIRES_S = 7 * 24 * 3600;

/** What the body verification needs once the headers have been authenticated. */
export interface VerifiedRequest {
  accessKeyId: string;
  /** x-amz-content-sha256 (or UNSIGNED-PAYLOAD for presigned URLs). */
  payloadHash: string;
  /** The chain of chunk signatures starts from the request signature (the "seed"). */
  seedSignature: string;
  signingKey: Buffer;
  amzDate: string;
  scope: string;
}

/** The parts of an HTTP request that the signature covers, exactly as received. */
export interface SignableRequest {
  method: string;
  /** path and query as sent on the request line */
  rawUrl: string;
  /** alternating names and values, as Node's IncomingMessage.rawHeaders */
  rawHeaders: string[];
}

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (uppercase). */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Query parameters as (name, value) pairs, decoded; `+` is a literal plus in S3 URLs, not a space. */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [safeDecode(pair), ''] : [safeDecode(pair.slice(0, eq)), safeDecode(pair.slice(eq + 1))];
    });
}

function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Header values by lower-case name, repeated headers joined with ',' (SigV4 canonical form). */
export function headerMap(rawHeaders: string[]): Map<string, string> {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!.trim().replace(/\s+/g, ' ');
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return new Map([...out].map(([k, v]) => [k, v.join(',')]));
}

/**
 * The canonical URI candidates: S3 signs the path as sent (encoded once, not normalized), but clients
 * differ in which characters they leave unescaped; the re-encoded form covers those.
 */
function canonicalUris(rawPath: string): string[] {
  const reencoded = rawPath
    .split('/')
    .map((segment) => uriEncode(safeDecode(segment)))
    .join('/');
  return reencoded === rawPath ? [rawPath] : [rawPath, reencoded];
}

/** 20130524T000000Z → Date */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function safeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length || !/^[0-9a-f]*$/.test(a)) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

interface ParsedCredential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(value: string): ParsedCredential {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    throw errors.invalidArgument(`invalid credential scope "${value}": expected <key>/<yyyymmdd>/<region>/s3/aws4_request`, 'X-Amz-Credential', value);
  }
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (service !== 's3') throw errors.invalidArgument(`credential should be scoped to service "s3", not "${service}"`, 'X-Amz-Credential', value);
  return { accessKeyId, date, region, service };
}

export interface VerifyOptions {
  credentials: Credentials;
  now: () => Date;
}

/** Authenticates a request; throws the S3 error a real S3 would answer. */
export function verifyRequest(req: SignableRequest, opts: VerifyOptions): VerifiedRequest {
  const q = req.rawUrl.indexOf('?');
  const rawPath = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
  const query = parseQuery(q < 0 ? '' : req.rawUrl.slice(q + 1));
  const headers = headerMap(req.rawHeaders);
  const authorization = headers.get('authorization');
  const presigned = query.find(([k]) => k === 'X-Amz-Algorithm');

  if (authorization !== undefined) {
    if (authorization.startsWith('AWS ')) {
      throw errors.invalidRequest('The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
    }
    if (!authorization.startsWith(`${ALGORITHM} `)) throw errors.accessDenied('Unsupported Authorization header');
    const fields = new Map(
      authorization
        .slice(ALGORITHM.length + 1)
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
        .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as [string, string]),
    );
    const credential = fields.get('Credential');
    const signedHeadersList = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (!credential || !signedHeadersList || !signature) {
      throw errors.invalidArgument('the Authorization header must carry Credential, SignedHeaders and Signature', 'Authorization', authorization);
    }
    const amzDate = headers.get('x-amz-date') ?? (headers.get('date') ? formatAmzDate(new Date(headers.get('date')!)) : undefined);
    const payloadHash = headers.get('x-amz-content-sha256');
    if (payloadHash === undefined) throw errors.invalidRequest('Missing required header for this request: x-amz-content-sha256');
    return verify({ rawPath, query, headers, method: req.method, credential, signedHeadersList, signature, amzDate, payloadHash, presigned: false }, opts);
  }

  if (presigned) {
    const get = (name: string): string | undefined => query.find(([k]) => k === name)?.[1];
    if (presigned[1] !== ALGORITHM) throw errors.invalidArgument('only AWS4-HMAC-SHA256 presigned URLs are supported', 'X-Amz-Algorithm', presigned[1]);
    const credential = get('X-Amz-Credential');
    const signedHeadersList = get('X-Amz-SignedHeaders');
    const signature = get('X-Amz-Signature');
    const amzDate = get('X-Amz-Date');
    const expires = get('X-Amz-Expires');
    if (!credential || !signedHeadersList || !signature || !amzDate || !expires) {
      throw errors.accessDenied('Query-string authentication requires the X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature parameters');
    }
    const seconds = Number(expires);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_EXPIRES_S) {
      throw errors.invalidArgument(`X-Amz-Expires must be between 1 and ${MAX_PRESIGN_EXPIRES_S} seconds`, 'X-Amz-Expires', expires);
    }
    const signedAt = parseAmzDate(amzDate);
    if (!signedAt) throw errors.invalidArgument('X-Amz-Date must be in the ISO8601 basic format yyyyMMddTHHmmssZ', 'X-Amz-Date', amzDate);
    const now = opts.now().getTime();
    if (now > signedAt.getTime() + seconds * 1000) throw errors.accessDenied('Request has expired');
    if (signedAt.getTime() - now > MAX_SKEW_MS) throw errors.accessDenied('Request is not valid yet');
    const payloadHash = get('X-Amz-Content-Sha256') ?? headers.get('x-amz-content-sha256') ?? UNSIGNED_PAYLOAD;
    return verify(
      {
        rawPath,
        query: query.filter(([k]) => k !== 'X-Amz-Signature'),
        headers,
        method: req.method,
        credential,
        signedHeadersList,
        signature,
        amzDate,
        payloadHash,
        presigned: true,
      },
      opts,
    );
  }

  if (query.some(([k]) => k === 'AWSAccessKeyId') && query.some(([k]) => k === 'Signature')) {
    throw errors.invalidRequest(
      'Signature Version 2 presigned URLs are not supported; presign with SigV4 (AWS CLI v1: `aws configure set default.s3.signature_version s3v4`).',
    );
  }
  throw errors.accessDenied('Anonymous access is not allowed: sign requests with the access key this server printed');
}

interface VerifyInput {
  rawPath: string;
  query: Array<[string, string]>;
  headers: Map<string, string>;
  method: string;
  credential: string;
  signedHeadersList: string;
  signature: string;
  amzDate: string | undefined;
  payloadHash: string;
  presigned: boolean;
}

function verify(input: VerifyInput, opts: VerifyOptions): VerifiedRequest {
  const cred = parseCredential(input.credential);
  if (cred.accessKeyId !== opts.credentials.accessKeyId) throw errors.invalidAccessKeyId(cred.accessKeyId);
  if (!input.amzDate) throw errors.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  const signedAt = parseAmzDate(input.amzDate);
  if (!signedAt) throw errors.accessDenied(`invalid x-amz-date "${input.amzDate}"`);
  if (!input.presigned && Math.abs(opts.now().getTime() - signedAt.getTime()) > MAX_SKEW_MS) throw errors.requestTimeTooSkewed();
  if (cred.date !== input.amzDate.slice(0, 8)) {
    throw errors.signatureDoesNotMatch({ AWSAccessKeyId: cred.accessKeyId, SignatureProvided: input.signature, Reason: 'credential date does not match x-amz-date' });
  }
  const signedHeaders = input.signedHeadersList.split(';').map((h) => h.trim().toLowerCase());
  if (!signedHeaders.includes('host')) throw errors.accessDenied('the host header must be signed');
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${input.headers.get(h) ?? ''}\n`).join('');
  const scope = `${cred.date}/${cred.region}/${cred.service}/aws4_request`;
  const key = signingKey(opts.credentials.secretAccessKey, cred.date, cred.region, cred.service);
  let lastAttempt: { canonicalRequest: string; stringToSign: string } | undefined;
  for (const uri of canonicalUris(input.rawPath)) {
    const canonicalRequest = [input.method, uri, canonicalQuery(input.query), canonicalHeaders, signedHeaders.join(';'), input.payloadHash].join('\n');
    const stringToSign = [ALGORITHM, input.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
    const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
    if (safeEqualHex(input.signature, expected)) {
      return { accessKeyId: cred.accessKeyId, payloadHash: input.payloadHash, seedSignature: expected, signingKey: key, amzDate: input.amzDate, scope };
    }
    lastAttempt ??= { canonicalRequest, stringToSign };
  }
  throw errors.signatureDoesNotMatch({
    AWSAccessKeyId: cred.accessKeyId,
    StringToSign: lastAttempt!.stringToSign,
    SignatureProvided: input.signature,
    CanonicalRequest: lastAttempt!.canonicalRequest,
  });
}

/** Signature of one aws-chunked chunk: F(previous signature, chunk data). */
export function chunkSignature(v: Pick<VerifiedRequest, 'signingKey' | 'amzDate' | 'scope'>, previous: string, chunk: Uint8Array): string {
  const stringToSign = [`${ALGORITHM}-PAYLOAD`, v.amzDate, v.scope, previous, EMPTY_SHA256, sha256Hex(chunk)].join('\n');
  return createHmac('sha256', v.signingKey).update(stringToSign, 'utf8').digest('hex');
}

/** Signature of the trailing headers of a signed aws-chunked body. */
export function trailerSignature(v: Pick<VerifiedRequest, 'signingKey' | 'amzDate' | 'scope'>, previous: string, trailerText: string): string {
  const stringToSign = [`${ALGORITHM}-TRAILER`, v.amzDate, v.scope, previous, sha256Hex(trailerText)].join('\n');
  return createHmac('sha256', v.signingKey).update(stringToSign, 'utf8').digest('hex');
}

export function checkChunkSignature(expected: string, provided: string | undefined): void {
  if (provided === undefined || !safeEqualHex(provided, expected)) {
    throw new S3Error('SignatureDoesNotMatch', 403, 'The chunk signature we calculated does not match the signature you provided.', {
      SignatureProvided: provided ?? '',
    });
  }
}
