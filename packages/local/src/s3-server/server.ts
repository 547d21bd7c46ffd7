/**
 * An S3-compatible server in one process (node:http only), for trying bucket-ml on a laptop and for
 * tests: path-style addressing, AWS Signature V4 against one key pair,
 * plain and aws-chunked uploads with checksums, listing, ranges, conditional requests, copy, batch
 * delete, multipart uploads, and bucket notifications pushed like Ceph RGW 16 pushes them. What it does
 * not do (versioning, ACLs, policies) it refuses with NotImplemented and says so.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { algorithmOfHeader, checksumOf, createHasher, isChecksumAlgorithm, type ChecksumAlgorithm } from './checksums.js';
import { decodeAwsChunked, isStreamingPayload } from './chunked.js';
import { errors, S3Error } from './errors.js';
import { decodeToken, encodeToken, listKeys } from './listing.js';
import { checksumElement, checksumType, MAX_PART_NUMBER, multipartEtag, objectChecksum, parseCompleteRequest, selectParts } from './multipart/complete.js';
import { listUploads } from './multipart/list.js';
import { MultipartUploads, type Completion, type Part, type Upload } from './multipart/uploads.js';
import { configMatches, validateConfig, type NotificationConfig } from './notifications/config.js';
import { NotificationDispatcher, type DispatcherOptions } from './notifications/dispatcher.js';
import { newEventIds, rgwRecord, type ObjectEvent } from './notifications/records.js';
import { headerMap, parseQuery, sha256Hex, UNSIGNED_PAYLOAD, uriEncode, verifyRequest, type Credentials, type VerifiedRequest } from './sigv4.js';
import { DirectoryStore, MemoryStore, type ObjectMeta, type Store } from './store.js';
import { parseDeleteRequest, xmlDocument, type XmlNode } from './xml.js';

export interface S3ServerOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** The only key pair that is accepted. */
  credentials: Credentials;
  /** Reported by GetBucketLocation/HeadBucket. Any region signs. Default us-east-1. */
  region?: string;
  /** In memory (default), in a directory, or a store of your own. */
  storage?: Store | { directory: string };
  /** Largest object accepted in one PUT. Default 1 GiB. */
  maxObjectBytes?: number;
  /** Owner / principal id shown in listings and notification records. Default: the access key id. */
  owner?: string;
  /** Clock for signature expiry checks (tests). */
  now?: () => Date;
  notifications?: DispatcherOptions;
  /** One entry per request, after its response. */
  onRequest?: (entry: RequestLogEntry) => void;
}

export interface RequestLogEntry {
  method: string;
  url: string;
  status: number;
  code?: string;
  message?: string;
  ms: number;
  requestId: string;
  /** How the body was sent: x-amz-content-sha256 (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`, `UNSIGNED-PAYLOAD`, a hash). */
  payload?: string;
}

interface Target {
  bucket?: string;
  key?: string;
  query: Map<string, string>;
  rawQuery: Array<[string, string]>;
}

/** Bucket subresources recognised only to say clearly that they are not supported here. */
const UNSUPPORTED_SUBRESOURCES = [
  'accelerate', 'acl', 'analytics', 'cors', 'encryption', 'intelligent-tiering', 'inventory', 'legal-hold', 'lifecycle', 'logging',
  'metrics', 'notification', 'object-lock', 'ownershipControls', 'policy', 'policyStatus', 'publicAccessBlock', 'replication',
  'requestPayment', 'restore', 'retention', 'select', 'tagging', 'torrent', 'website', 'attributes', 'versions',
];
const STORED_HEADERS = ['cache-control', 'content-disposition', 'content-language', 'expires'];
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

const quote = (etag: string): string => `"${etag}"`;
const uriEncodeKey = (value: string): string => uriEncode(value, true);
/** A request header as one string (repeated headers joined), or undefined. */
const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};
const httpDate = (iso: string): string => new Date(iso).toUTCString();
const seconds = (iso: string): number => Math.floor(new Date(iso).getTime() / 1000);

/** Serializes async work per key (conditional writes must check and write atomically). */
class KeyLocks {
  private readonly tails = new Map<string, Promise<unknown>>();
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

function etagMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((v) => v.trim().replace(/^W\//, '').replace(/^"|"$/g, ''))
    .some((v) => v === '*' || v === etag);
}

export class S3Server extends EventEmitter {
  readonly url: string;
  readonly port: number;
  readonly notifications: NotificationDispatcher;
  private readonly notificationConfigs = new Map<string, NotificationConfig[]>();
  private readonly locks = new KeyLocks();
  private readonly uploads = new MultipartUploads();
  private readonly region: string;
  private readonly maxObjectBytes: number;
  private readonly owner: string;
  private readonly now: () => Date;
  private requestCounter = 0;

  private constructor(
    private readonly server: http.Server,
    readonly store: Store,
    private readonly options: S3ServerOptions,
    readonly host: string,
  ) {
    super();
    const address = server.address() as AddressInfo;
    this.port = address.port;
    // listening on every interface: clients on this machine reach it on the loopback address
    const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
    this.url = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${address.port}`;
    this.region = options.region ?? 'us-east-1';
    this.maxObjectBytes = options.maxObjectBytes ?? 1024 ** 3;
    this.owner = options.owner ?? options.credentials.accessKeyId;
    this.now = options.now ?? (() => new Date());
    this.notifications = new NotificationDispatcher(options.notifications);
  }

  static async start(options: S3ServerOptions): Promise<S3Server> {
    const store =
      options.storage === undefined
        ? new MemoryStore()
        : 'directory' in options.storage
          ? await DirectoryStore.open(options.storage.directory)
          : options.storage;
    const host = options.host ?? '127.0.0.1';
    const holder: { instance?: S3Server } = {};
    const server = http.createServer((req, res) => {
      if (holder.instance) void holder.instance.handle(req, res);
      else res.writeHead(503).end();
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    holder.instance = new S3Server(server, store, options, host);
    return holder.instance;
  }

  /** Stops listening, drops open connections and undelivered notifications. */
  async close(): Promise<void> {
    await this.notifications.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Creates a bucket unless it exists (for setting up; clients get BucketAlreadyOwnedByYou). */
  async ensureBucket(name: string): Promise<void> {
    if (!isValidBucketName(name)) throw errors.invalidBucketName(name);
    if (!this.store.bucket(name)) await this.store.createBucket(name);
  }

  /** Replaces a bucket's notification configurations (RGW: topic + PutBucketNotificationConfiguration). */
  setBucketNotifications(bucket: string, configs: NotificationConfig[]): void {
    if (!this.store.bucket(bucket)) throw errors.noSuchBucket(bucket);
    for (const c of configs) validateConfig(c);
    const ids = new Set<string>();
    for (const c of configs) {
      if (ids.has(c.id)) throw new Error(`duplicate notification id ${c.id}`);
      ids.add(c.id);
    }
    this.notificationConfigs.set(bucket, configs.map((c) => ({ ...c, events: [...c.events], ...(c.filter ? { filter: { ...c.filter } } : {}) })));
  }

  bucketNotifications(bucket: string): NotificationConfig[] {
    return this.notificationConfigs.get(bucket) ?? [];
  }

  // ---------------------------------------------------------------- request handling

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = `tx${(++this.requestCounter).toString(16).padStart(21, '0')}-${Math.floor(Date.now() / 1000).toString(16).padStart(10, '0')}-local`;
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amz-id-2', requestId);
    res.setHeader('server', 'bucket-ml-local-s3');
    let target: Target | undefined;
    let failure: S3Error | undefined;
    let payload: string | undefined;
    try {
      target = this.route(req);
      const auth = verifyRequest({ method: req.method ?? 'GET', rawUrl: req.url ?? '/', rawHeaders: req.rawHeaders }, { credentials: this.options.credentials, now: this.now });
      payload = auth.payloadHash;
      const body = await this.readBody(req, auth);
      await this.dispatch(req, res, target, body);
    } catch (error) {
      failure = error instanceof S3Error ? error : errors.internal();
      if (!(error instanceof S3Error)) process.emitWarning(`bucket-ml local S3: ${(error as Error)?.stack ?? String(error)}`);
      this.sendError(req, res, failure, target, requestId);
    }
    const log = (): void =>
      this.options.onRequest?.({
        method: req.method ?? '',
        url: req.url ?? '',
        status: res.statusCode,
        ...(failure ? { code: failure.code, message: failure.message } : {}),
        ms: Math.round(performance.now() - started),
        requestId,
        ...(payload ? { payload } : {}),
      });
    if (res.writableFinished) log();
    else res.once('finish', log);
  }

  /** Path-style addressing only: /<bucket>/<key>. */
  private route(req: IncomingMessage): Target {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = parseQuery(q < 0 ? '' : rawUrl.slice(q + 1));
    const query = new Map(rawQuery);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      throw new S3Error('InvalidURI', 400, "Couldn't parse the specified URI.");
    }
    const rest = path.replace(/^\//, '');
    if (rest === '') return { query, rawQuery };
    const slash = rest.indexOf('/');
    if (slash < 0) return { bucket: rest, query, rawQuery };
    const key = rest.slice(slash + 1);
    return { bucket: rest.slice(0, slash), ...(key ? { key } : {}), query, rawQuery };
  }

  /** Reads and authenticates the body: payload hash, aws-chunked signatures, Content-MD5 and checksums. */
  private async readBody(req: IncomingMessage, auth: VerifiedRequest): Promise<{ data: Buffer; checksum?: { algorithm: ChecksumAlgorithm; value: string } }> {
    const headers = req.headers;
    const chunked = isStreamingPayload(auth.payloadHash) || (headers['content-encoding'] ?? '').split(',').some((e) => e.trim() === 'aws-chunked');
    const limit = Math.floor(this.maxObjectBytes * 1.05) + 64 * 1024;
    const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
    const decodedLength = header(req, 'x-amz-decoded-content-length');
    if ((declared !== undefined && declared > limit) || (decodedLength !== undefined && Number(decodedLength) > this.maxObjectBytes)) {
      throw errors.entityTooLarge(this.maxObjectBytes);
    }
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          // stop collecting; the error response closes the connection
          req.pause();
          reject(errors.entityTooLarge(this.maxObjectBytes));
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
      req.on('close', () => {
        if (!req.complete) reject(errors.incompleteBody());
      });
    });
    if (req.method === 'PUT' && declared === undefined && !chunked && raw.length > 0) throw errors.missingContentLength();

    let data = raw;
    const trailerChecksums = new Map<string, string>();
    if (chunked) {
      if (!isStreamingPayload(auth.payloadHash) && auth.payloadHash !== UNSIGNED_PAYLOAD) {
        throw errors.invalidRequest('aws-chunked bodies must be sent with x-amz-content-sha256 set to a STREAMING-* value');
      }
      const declaredTrailers = (header(req, 'x-amz-trailer') ?? '')
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean);
      const decoded = decodeAwsChunked(raw, auth, declaredTrailers);
      data = decoded.data;
      if (decodedLength === undefined) throw errors.missingContentLength();
      if (Number(decodedLength) !== data.length) throw errors.incompleteBody();
      for (const [name, value] of decoded.trailers) trailerChecksums.set(name, value);
    } else if (/^[0-9a-f]{64}$/.test(auth.payloadHash)) {
      const actual = sha256Hex(raw);
      if (actual !== auth.payloadHash) throw errors.contentSha256Mismatch(auth.payloadHash, actual);
    }
    if (data.length > this.maxObjectBytes) throw errors.entityTooLarge(this.maxObjectBytes);

    const md5 = header(req, 'content-md5');
    if (md5 !== undefined) {
      if (!/^[A-Za-z0-9+/]{22}==$/.test(md5)) throw errors.invalidDigest();
      if (checksumOf('md5', data) !== md5) throw errors.badDigest();
    }
    let checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined;
    const provided = [...Object.entries(headers), ...trailerChecksums].flatMap(([name, value]) => {
      const algorithm = algorithmOfHeader(name);
      return algorithm && typeof value === 'string' ? [{ algorithm, value: value as string }] : [];
    });
    for (const { algorithm, value } of provided) {
      const hasher = createHasher(algorithm);
      hasher.update(data);
      if (hasher.digestBase64() !== value) throw errors.badDigest(`The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
      checksum ??= { algorithm, value };
    }
    return { data, ...(checksum ? { checksum } : {}) };
  }

  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    t: Target,
    body: { data: Buffer; checksum?: { algorithm: ChecksumAlgorithm; value: string } },
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const has = (name: string): boolean => t.query.has(name);
    if (!t.bucket) {
      if (method === 'GET') return this.listBuckets(res);
      throw errors.methodNotAllowed();
    }
    const unsupported = UNSUPPORTED_SUBRESOURCES.find((s) => has(s));
    if (!t.key) {
      if (method === 'GET' && has('location')) return this.getLocation(res, t.bucket);
      if (method === 'GET' && has('versioning')) return this.getVersioning(res, t.bucket);
      if (method === 'GET' && has('uploads')) return this.listMultipartUploads(res, t);
      if (unsupported) throw errors.notImplemented(`The ${unsupported} subresource is not supported by the bucket-ml local S3 server.`);
      switch (method) {
        case 'GET':
          return t.query.get('list-type') === '2' ? this.listObjectsV2(res, t) : this.listObjectsV1(res, t);
        case 'HEAD':
          return this.headBucket(res, t.bucket);
        case 'PUT':
          return this.createBucket(res, t.bucket);
        case 'DELETE':
          return this.deleteBucket(res, t.bucket);
        case 'POST':
          if (has('delete')) return this.deleteObjects(req, res, t.bucket, body.data);
          throw errors.notImplemented('POST uploads (HTML forms) are not supported by the bucket-ml local S3 server; use PUT.');
        default:
          throw errors.methodNotAllowed();
      }
    }
    if (unsupported) throw errors.notImplemented(`The ${unsupported} subresource is not supported by the bucket-ml local S3 server.`);
    if (Buffer.byteLength(t.key, 'utf8') > 1024) throw errors.keyTooLong();
    if (has('uploadId')) return this.multipartRequest(req, res, t, body);
    if (method === 'POST' && has('uploads')) return this.createMultipartUpload(req, res, t.bucket, t.key);
    switch (method) {
      case 'GET':
      case 'HEAD':
        return this.getObject(req, res, t, method === 'HEAD');
      case 'PUT':
        return header(req, 'x-amz-copy-source') ? this.copyObject(req, res, t.bucket, t.key) : this.putObject(req, res, t.bucket, t.key, body);
      case 'DELETE':
        return this.deleteObject(req, res, t.bucket, t.key);
      case 'POST':
        throw errors.notImplemented('POST on an object is not supported by the bucket-ml local S3 server.');
      default:
        throw errors.methodNotAllowed();
    }
  }

  private sendXml(res: ServerResponse, status: number, root: string, body: XmlNode): void {
    const xml = xmlDocument(root, body);
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
    res.end(xml);
  }

  private sendError(req: IncomingMessage, res: ServerResponse, error: S3Error, target: Target | undefined, requestId: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const resource = target?.bucket ? `/${target.bucket}${target.key ? `/${target.key}` : ''}` : '/';
    const headers: Record<string, string | number> = { ...error.headers };
    // A body that was not (fully) read would be parsed as the next request: do not reuse the connection.
    if (!req.complete) headers.connection = 'close';
    if (req.method === 'HEAD') {
      res.writeHead(error.status, headers).end();
      if (!req.complete) req.resume();
      return;
    }
    const xml = xmlDocument('Error', { Code: error.code, Message: error.message, ...error.fields, Resource: resource, RequestId: requestId, HostId: requestId }, null);
    res.writeHead(error.status, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
    res.end(xml);
    if (!req.complete) req.resume();
  }

  private requireBucket(bucket: string): void {
    if (!this.store.bucket(bucket)) throw errors.noSuchBucket(bucket);
  }

  // ---------------------------------------------------------------- buckets

  private listBuckets(res: ServerResponse): void {
    this.sendXml(res, 200, 'ListAllMyBucketsResult', {
      Owner: { ID: this.owner, DisplayName: this.owner },
      Buckets: { Bucket: this.store.listBuckets().map((b) => ({ Name: b.name, CreationDate: b.creationDate })) },
    });
  }

  private getLocation(res: ServerResponse, bucket: string): void {
    this.requireBucket(bucket);
    // us-east-1 is reported as an empty LocationConstraint, as S3 does
    const xml = xmlDocument('LocationConstraint', {}).replace('></LocationConstraint>', `>${this.region === 'us-east-1' ? '' : this.region}</LocationConstraint>`);
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) }).end(xml);
  }

  private getVersioning(res: ServerResponse, bucket: string): void {
    this.requireBucket(bucket);
    this.sendXml(res, 200, 'VersioningConfiguration', {});
  }

  private headBucket(res: ServerResponse, bucket: string): void {
    this.requireBucket(bucket);
    res.writeHead(200, { 'x-amz-bucket-region': this.region, 'content-length': 0 }).end();
  }

  private async createBucket(res: ServerResponse, bucket: string): Promise<void> {
    if (!isValidBucketName(bucket)) throw errors.invalidBucketName(bucket);
    await this.locks.run(`bucket:${bucket}`, async () => {
      if (this.store.bucket(bucket)) throw errors.bucketAlreadyOwnedByYou(bucket);
      await this.store.createBucket(bucket);
    });
    res.writeHead(200, { location: `/${bucket}`, 'content-length': 0 }).end();
  }

  private async deleteBucket(res: ServerResponse, bucket: string): Promise<void> {
    await this.locks.run(`bucket:${bucket}`, async () => {
      this.requireBucket(bucket);
      if (this.store.objectCount(bucket) > 0) throw errors.bucketNotEmpty(bucket);
      await this.store.deleteBucket(bucket);
      this.notificationConfigs.delete(bucket);
      this.uploads.dropBucket(bucket);
    });
    res.writeHead(204).end();
  }

  // ---------------------------------------------------------------- listing

  private listParams(t: Target): { prefix: string; delimiter?: string; maxKeys: number; encode: (v: string) => string; encodingType?: string } {
    const prefix = t.query.get('prefix') ?? '';
    const delimiter = t.query.get('delimiter') || undefined;
    const maxKeysText = t.query.get('max-keys');
    let maxKeys = 1000;
    if (maxKeysText !== undefined) {
      const n = Number(maxKeysText);
      if (!Number.isInteger(n) || n < 0) throw errors.invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', maxKeysText);
      maxKeys = Math.min(n, 1000);
    }
    const encodingType = t.query.get('encoding-type');
    if (encodingType !== undefined && encodingType !== 'url') throw errors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
    const encode = encodingType === 'url' ? uriEncodeKey : (v: string) => v;
    return { prefix, ...(delimiter ? { delimiter } : {}), maxKeys, encode, ...(encodingType ? { encodingType } : {}) };
  }

  private contents(bucket: string, keys: string[], encode: (v: string) => string, withOwner: boolean): XmlNode[] {
    return keys.map((key) => {
      const meta = this.store.head(bucket, key)!;
      return {
        Key: encode(key),
        LastModified: meta.lastModified,
        ETag: quote(meta.etag),
        ...(meta.checksum ? { ChecksumAlgorithm: meta.checksum.algorithm.toUpperCase() } : {}),
        Size: meta.size,
        ...(withOwner ? { Owner: { ID: this.owner, DisplayName: this.owner } } : {}),
        StorageClass: 'STANDARD',
      };
    });
  }

  private listObjectsV2(res: ServerResponse, t: Target): void {
    const bucket = t.bucket!;
    this.requireBucket(bucket);
    const p = this.listParams(t);
    const token = t.query.get('continuation-token');
    const startAfter = t.query.get('start-after');
    let resume: { value: string; isPrefix: boolean } | undefined;
    if (token !== undefined) {
      resume = decodeToken(token);
      if (!resume) throw errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
    }
    const out = listKeys(this.store.sortedKeys(bucket), {
      prefix: p.prefix,
      ...(p.delimiter ? { delimiter: p.delimiter } : {}),
      maxKeys: p.maxKeys,
      ...(resume && !resume.isPrefix ? { after: resume.value } : startAfter ? { after: startAfter } : {}),
      ...(resume?.isPrefix ? { after: resume.value, afterPrefix: resume.value } : {}),
    });
    this.sendXml(res, 200, 'ListBucketResult', {
      Name: bucket,
      Prefix: p.encode(p.prefix),
      ...(p.delimiter ? { Delimiter: p.encode(p.delimiter) } : {}),
      MaxKeys: p.maxKeys,
      ...(p.encodingType ? { EncodingType: p.encodingType } : {}),
      KeyCount: out.keys.length + out.commonPrefixes.length,
      ...(token !== undefined ? { ContinuationToken: token } : {}),
      ...(out.isTruncated && out.last ? { NextContinuationToken: encodeToken(out.last) } : {}),
      ...(startAfter !== undefined ? { StartAfter: p.encode(startAfter) } : {}),
      IsTruncated: out.isTruncated,
      Contents: this.contents(bucket, out.keys, p.encode, t.query.get('fetch-owner') === 'true'),
      CommonPrefixes: out.commonPrefixes.map((cp) => ({ Prefix: p.encode(cp) })),
    });
  }

  private listObjectsV1(res: ServerResponse, t: Target): void {
    const bucket = t.bucket!;
    this.requireBucket(bucket);
    const p = this.listParams(t);
    const marker = t.query.get('marker') || undefined;
    const out = listKeys(this.store.sortedKeys(bucket), {
      prefix: p.prefix,
      ...(p.delimiter ? { delimiter: p.delimiter } : {}),
      maxKeys: p.maxKeys,
      ...(marker ? { after: marker } : {}),
      // a marker naming a common prefix resumes after everything under it
      ...(marker && p.delimiter && marker.endsWith(p.delimiter) ? { afterPrefix: marker } : {}),
    });
    this.sendXml(res, 200, 'ListBucketResult', {
      Name: bucket,
      Prefix: p.encode(p.prefix),
      Marker: p.encode(marker ?? ''),
      ...(out.isTruncated && p.delimiter && out.last ? { NextMarker: p.encode(out.last.value) } : {}),
      MaxKeys: p.maxKeys,
      ...(p.delimiter ? { Delimiter: p.encode(p.delimiter) } : {}),
      ...(p.encodingType ? { EncodingType: p.encodingType } : {}),
      IsTruncated: out.isTruncated,
      Contents: this.contents(bucket, out.keys, p.encode, true),
      CommonPrefixes: out.commonPrefixes.map((cp) => ({ Prefix: p.encode(cp) })),
    });
  }

  // ---------------------------------------------------------------- objects

  private objectHeaders(meta: ObjectMeta): Record<string, string | number> {
    const headers: Record<string, string | number> = {
      etag: quote(meta.etag),
      'last-modified': httpDate(meta.lastModified),
      'content-type': meta.contentType,
      'accept-ranges': 'bytes',
      ...meta.headers,
    };
    for (const [name, value] of Object.entries(meta.metadata)) headers[`x-amz-meta-${name}`] = value;
    if (meta.tags.length > 0) headers['x-amz-tagging-count'] = meta.tags.length;
    return headers;
  }

  /** GET/HEAD preconditions in S3's (RFC 7232's) order; returns 304 when the client's copy is current. */
  private checkReadPreconditions(req: IncomingMessage, meta: ObjectMeta): 304 | undefined {
    const h = req.headers;
    const modified = seconds(meta.lastModified);
    const ifMatch = h['if-match'];
    const ifUnmodifiedSince = h['if-unmodified-since'];
    if (ifMatch !== undefined) {
      if (!etagMatches(ifMatch, meta.etag)) throw errors.preconditionFailed('If-Match');
    } else if (ifUnmodifiedSince !== undefined) {
      const since = Date.parse(ifUnmodifiedSince);
      if (!Number.isNaN(since) && modified > Math.floor(since / 1000)) throw errors.preconditionFailed('If-Unmodified-Since');
    }
    const ifNoneMatch = h['if-none-match'];
    const ifModifiedSince = h['if-modified-since'];
    if (ifNoneMatch !== undefined) {
      if (etagMatches(ifNoneMatch, meta.etag)) return 304;
    } else if (ifModifiedSince !== undefined) {
      const since = Date.parse(ifModifiedSince);
      if (!Number.isNaN(since) && modified <= Math.floor(since / 1000)) return 304;
    }
    return undefined;
  }

  private async getObject(req: IncomingMessage, res: ServerResponse, t: Target, head: boolean): Promise<void> {
    const bucket = t.bucket!;
    const key = t.key!;
    this.requireBucket(bucket);
    const meta = this.store.head(bucket, key);
    if (!meta) throw errors.noSuchKey(bucket, key);
    const headers = this.objectHeaders(meta);
    if (this.checkReadPreconditions(req, meta) === 304) {
      res.writeHead(304, { etag: quote(meta.etag), 'last-modified': httpDate(meta.lastModified) }).end();
      return;
    }
    for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
      const value = t.query.get(param);
      if (value !== undefined) headers[header] = value;
    }
    let status = 200;
    let start = 0;
    let end = meta.size - 1;
    const range = req.headers.range;
    const single = range === undefined ? undefined : /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    const partNumber = t.query.get('partNumber');
    if (partNumber !== undefined) {
      // one part of a multipart object, as S3 serves it (a single-PUT object is its own, only, part 1)
      if (range !== undefined) throw errors.invalidRequest('Cannot specify both Range header and partNumber query parameter');
      const sizes = meta.parts ?? [meta.size];
      const n = Number(partNumber);
      if (!/^\d+$/.test(partNumber) || n < 1 || n > MAX_PART_NUMBER) throw errors.invalidArgument(`Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, 'partNumber', partNumber);
      if (n > sizes.length) throw new S3Error('InvalidPartNumber', 416, 'The requested partnumber is not satisfiable', { PartNumberRequested: partNumber, ActualPartCount: String(sizes.length) });
      if (meta.parts) {
        start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
        end = start + sizes[n - 1]! - 1;
        status = 206;
        headers['content-range'] = `bytes ${start}-${end}/${meta.size}`;
        headers['x-amz-mp-parts-count'] = sizes.length;
      }
    } else if (single && (single[1] !== '' || single[2] !== '')) {
      if (meta.size === 0) throw errors.invalidRange(0);
      if (single[1] === '') {
        const suffix = Number(single[2]);
        if (suffix === 0) throw errors.invalidRange(meta.size);
        start = Math.max(0, meta.size - suffix);
      } else {
        start = Number(single[1]);
        if (single[2] !== '') end = Math.min(end, Number(single[2]));
        if (start >= meta.size || (single[2] !== '' && Number(single[2]) < start)) throw errors.invalidRange(meta.size);
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${meta.size}`;
    } else if (meta.checksum && header(req, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
      headers[`x-amz-checksum-${meta.checksum.algorithm}`] = meta.checksum.value;
      headers['x-amz-checksum-type'] = meta.checksum.type ?? 'FULL_OBJECT';
    }
    headers['content-length'] = meta.size === 0 ? 0 : end - start + 1;
    if (head) {
      res.writeHead(status, headers).end();
      return;
    }
    const data = await this.store.read(bucket, key);
    res.writeHead(status, headers).end(status === 206 ? data.subarray(start, end + 1) : data);
  }

  private objectMeta(req: IncomingMessage, key: string, data: Buffer, checksum: ObjectMeta['checksum']): ObjectMeta {
    const h = req.headers;
    const headers: Record<string, string> = {};
    for (const name of STORED_HEADERS) {
      const value = h[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const encodings = (h['content-encoding'] ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e && e !== 'aws-chunked');
    if (encodings.length > 0) headers['content-encoding'] = encodings.join(',');
    const metadata: Record<string, string> = {};
    for (const [name, value] of headerMap(req.rawHeaders)) if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
    return {
      key,
      size: data.length,
      etag: createHash('md5').update(data).digest('hex'),
      lastModified: new Date().toISOString(),
      contentType: h['content-type'] ?? 'binary/octet-stream',
      headers,
      metadata,
      tags: parseTagging(header(req, 'x-amz-tagging')),
      ...(checksum ? { checksum } : {}),
    };
  }

  /** Conditional writes (If-None-Match: *, If-Match), checked under the key's lock. */
  private checkWritePreconditions(req: IncomingMessage, bucket: string, key: string): void {
    const existing = this.store.head(bucket, key);
    const ifNoneMatch = req.headers['if-none-match'];
    const ifMatch = req.headers['if-match'];
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.trim() !== '*') throw errors.notImplemented('Conditional writes support only If-None-Match: *');
      if (existing) throw errors.preconditionFailed('If-None-Match');
    }
    if (ifMatch !== undefined) {
      if (!existing) throw errors.noSuchKey(bucket, key);
      if (!etagMatches(ifMatch, existing.etag)) throw errors.preconditionFailed('If-Match');
    }
  }

  private async putObject(req: IncomingMessage, res: ServerResponse, bucket: string, key: string, body: { data: Buffer; checksum?: ObjectMeta['checksum'] }): Promise<void> {
    this.requireBucket(bucket);
    const meta = this.objectMeta(req, key, body.data, body.checksum);
    await this.locks.run(`${bucket}/${key}`, async () => {
      this.checkWritePreconditions(req, bucket, key);
      this.requireBucket(bucket);
      await this.store.put(bucket, meta, body.data);
    });
    const headers: Record<string, string | number> = { etag: quote(meta.etag), 'content-length': 0 };
    if (meta.checksum) headers[`x-amz-checksum-${meta.checksum.algorithm}`] = meta.checksum.value;
    res.writeHead(200, headers).end();
    this.objectChanged(res, req, bucket, 'ObjectCreated:Put', meta);
  }

  /** The object x-amz-copy-source names, once the x-amz-copy-source-if-* conditions hold. */
  private copySource(req: IncomingMessage): { srcBucket: string; srcKey: string; src: ObjectMeta } {
    const source = header(req, 'x-amz-copy-source') ?? '';
    const [sourcePath, sourceQuery] = source.split('?', 2) as [string, string | undefined];
    if (sourceQuery && /(^|&)versionId=/.test(sourceQuery) && !/(^|&)versionId=null(&|$)/.test(sourceQuery)) {
      throw errors.notImplemented('Versioning is not supported by the bucket-ml local S3 server.');
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(sourcePath).replace(/^\//, '');
    } catch {
      throw errors.invalidArgument('Invalid copy source encoding', 'x-amz-copy-source', source);
    }
    const slash = decoded.indexOf('/');
    if (slash <= 0 || slash === decoded.length - 1) throw errors.invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', source);
    const srcBucket = decoded.slice(0, slash);
    const srcKey = decoded.slice(slash + 1);
    this.requireBucket(srcBucket);
    const src = this.store.head(srcBucket, srcKey);
    if (!src) throw errors.noSuchKey(srcBucket, srcKey);
    const modified = seconds(src.lastModified);
    const ifMatch = header(req, 'x-amz-copy-source-if-match');
    if (ifMatch !== undefined && !etagMatches(ifMatch, src.etag)) throw errors.preconditionFailed('x-amz-copy-source-If-Match');
    const ifNoneMatch = header(req, 'x-amz-copy-source-if-none-match');
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, src.etag)) throw errors.preconditionFailed('x-amz-copy-source-If-None-Match');
    const ius = header(req, 'x-amz-copy-source-if-unmodified-since');
    if (ius !== undefined && modified > Math.floor(Date.parse(ius) / 1000)) throw errors.preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
    const ims = header(req, 'x-amz-copy-source-if-modified-since');
    if (ims !== undefined && modified <= Math.floor(Date.parse(ims) / 1000)) throw errors.preconditionFailed('x-amz-copy-source-If-Modified-Since');
    return { srcBucket, srcKey, src };
  }

  private async copyObject(req: IncomingMessage, res: ServerResponse, bucket: string, key: string): Promise<void> {
    this.requireBucket(bucket);
    const { srcBucket, srcKey, src } = this.copySource(req);
    const replaceMetadata = (header(req, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase() === 'REPLACE';
    const replaceTags = (header(req, 'x-amz-tagging-directive') ?? 'COPY').toUpperCase() === 'REPLACE';
    if (srcBucket === bucket && srcKey === key && !replaceMetadata) {
      throw errors.invalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const data = await this.store.read(srcBucket, srcKey);
    // the copy is one part: a multipart source's composite checksum becomes one of all the bytes
    const checksum = src.checksum?.type === 'COMPOSITE' ? { algorithm: src.checksum.algorithm, value: checksumOf(src.checksum.algorithm, data) } : src.checksum;
    const fresh = this.objectMeta(req, key, data, checksum);
    const meta: ObjectMeta = replaceMetadata
      ? { ...fresh, tags: replaceTags ? fresh.tags : src.tags }
      : { ...fresh, contentType: src.contentType, headers: src.headers, metadata: src.metadata, tags: replaceTags ? fresh.tags : src.tags };
    await this.locks.run(`${bucket}/${key}`, async () => {
      this.requireBucket(bucket);
      await this.store.put(bucket, meta, data);
    });
    this.sendXml(res, 200, 'CopyObjectResult', { LastModified: meta.lastModified, ETag: quote(meta.etag) });
    this.objectChanged(res, req, bucket, 'ObjectCreated:Copy', meta);
  }

  private async deleteObject(req: IncomingMessage, res: ServerResponse, bucket: string, key: string): Promise<void> {
    this.requireBucket(bucket);
    if (req.headers['if-match'] !== undefined) throw errors.notImplemented('Conditional deletes are not supported by the bucket-ml local S3 server.');
    const removed = await this.locks.run(`${bucket}/${key}`, () => this.store.delete(bucket, key));
    res.writeHead(204).end();
    if (removed) this.objectChanged(res, req, bucket, 'ObjectRemoved:Delete', removed);
  }

  private async deleteObjects(req: IncomingMessage, res: ServerResponse, bucket: string, data: Buffer): Promise<void> {
    this.requireBucket(bucket);
    const h = req.headers;
    if (h['content-md5'] === undefined && !Object.keys(h).some((n) => algorithmOfHeader(n)) && h['x-amz-trailer'] === undefined) {
      throw errors.invalidRequest('Missing required header for this request: Content-MD5 (or an x-amz-checksum-* header)');
    }
    const parsed = parseDeleteRequest(data.toString('utf8'));
    if (!parsed || parsed.objects.length === 0 || parsed.objects.length > 1000) throw errors.malformedXml();
    const deleted: XmlNode[] = [];
    const failed: XmlNode[] = [];
    for (const { key, versionId } of parsed.objects) {
      if (versionId && versionId !== 'null') {
        failed.push({ Key: key, VersionId: versionId, Code: 'NotImplemented', Message: 'Versioning is not supported by the bucket-ml local S3 server.' });
        continue;
      }
      const removed = await this.locks.run(`${bucket}/${key}`, () => this.store.delete(bucket, key));
      if (!parsed.quiet) deleted.push({ Key: key });
      if (removed) this.objectChanged(res, req, bucket, 'ObjectRemoved:Delete', removed);
    }
    this.sendXml(res, 200, 'DeleteResult', { Deleted: deleted, Error: failed });
  }

  // ---------------------------------------------------------------- multipart uploads

  private async multipartRequest(req: IncomingMessage, res: ServerResponse, t: Target, body: { data: Buffer; checksum?: ObjectMeta['checksum'] }): Promise<void> {
    const bucket = t.bucket!;
    const key = t.key!;
    const uploadId = t.query.get('uploadId')!;
    this.requireBucket(bucket);
    switch (req.method) {
      case 'PUT':
        if (header(req, 'x-amz-copy-source')) return this.uploadPartCopy(req, res, t, this.uploads.get(bucket, key, uploadId));
        return this.uploadPart(res, t, this.uploads.get(bucket, key, uploadId), body);
      case 'POST':
        return this.completeMultipartUpload(req, res, bucket, key, uploadId, body.data);
      case 'DELETE':
        await this.locks.run(`${bucket}/${key}`, async () => this.uploads.abort(bucket, key, uploadId));
        res.writeHead(204).end();
        return;
      case 'GET':
        return this.listParts(res, t, this.uploads.get(bucket, key, uploadId));
      default:
        throw errors.methodNotAllowed();
    }
  }

  private createMultipartUpload(req: IncomingMessage, res: ServerResponse, bucket: string, key: string): void {
    this.requireBucket(bucket);
    const requested = header(req, 'x-amz-checksum-algorithm')?.toLowerCase();
    if (requested !== undefined && !isChecksumAlgorithm(requested)) throw errors.invalidRequest(`Checksum algorithm provided is unsupported: ${requested}`);
    const checksum = requested ? { algorithm: requested, type: checksumType(requested, header(req, 'x-amz-checksum-type')) } : undefined;
    if (!checksum && header(req, 'x-amz-checksum-type') !== undefined) throw errors.invalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    const { contentType, headers, metadata, tags } = this.objectMeta(req, key, Buffer.alloc(0), undefined);
    const upload = this.uploads.create(bucket, { key, contentType, headers, metadata, tags }, checksum);
    const xml = xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: upload.id });
    res.writeHead(200, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(xml),
      ...(checksum ? { 'x-amz-checksum-algorithm': checksum.algorithm.toUpperCase(), 'x-amz-checksum-type': checksum.type } : {}),
    });
    res.end(xml);
  }

  private partNumber(t: Target): number {
    const text = t.query.get('partNumber') ?? '';
    const number = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(number >= 1 && number <= MAX_PART_NUMBER)) throw errors.invalidArgument(`Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, 'partNumber', text);
    return number;
  }

  /** The copy of another object (or a byte range of it) as a part: how the AWS CLI copies large objects. */
  private async uploadPartCopy(req: IncomingMessage, res: ServerResponse, t: Target, upload: Upload): Promise<void> {
    const number = this.partNumber(t);
    const { srcBucket, srcKey, src } = this.copySource(req);
    let data = await this.store.read(srcBucket, srcKey);
    const range = header(req, 'x-amz-copy-source-range');
    if (range !== undefined) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(range.trim());
      if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= src.size) {
        throw errors.invalidArgument(`Range specified is not valid for source object of size: ${src.size}`, 'x-amz-copy-source-range', range);
      }
      data = data.subarray(Number(m[1]), Number(m[2]) + 1);
    }
    const part = this.storePart(upload, number, data, undefined);
    this.sendXml(res, 200, 'CopyPartResult', {
      LastModified: part.lastModified,
      ETag: quote(part.etag),
      ...(part.checksum ? { [checksumElement(part.checksum.algorithm)]: part.checksum.value } : {}),
    });
  }

  private uploadPart(res: ServerResponse, t: Target, upload: Upload, body: { data: Buffer; checksum?: ObjectMeta['checksum'] }): void {
    const part = this.storePart(upload, this.partNumber(t), body.data, body.checksum);
    const headers: Record<string, string | number> = { etag: quote(part.etag), 'content-length': 0 };
    if (part.checksum) headers[`x-amz-checksum-${part.checksum.algorithm}`] = part.checksum.value;
    res.writeHead(200, headers).end();
  }

  private storePart(upload: Upload, number: number, data: Buffer, sent: ObjectMeta['checksum']): Part {
    const expected = upload.checksum?.algorithm;
    if (expected && sent && sent.algorithm !== expected) {
      throw errors.invalidRequest(`Checksum Type mismatch occurred, expected checksum Type: ${expected}, actual checksum Type: ${sent.algorithm}`);
    }
    // an upload created with a checksum algorithm has every part's checksum, sent or not
    const checksum = sent ?? (expected ? { algorithm: expected, value: checksumOf(expected, data) } : undefined);
    const part: Part = {
      number,
      etag: createHash('md5').update(data).digest('hex'),
      size: data.length,
      data,
      lastModified: new Date().toISOString(),
      ...(checksum ? { checksum } : {}),
    };
    this.uploads.putPart(upload, part);
    return part;
  }

  private async completeMultipartUpload(req: IncomingMessage, res: ServerResponse, bucket: string, key: string, uploadId: string, data: Buffer): Promise<void> {
    const requested = parseCompleteRequest(data.toString('utf8'));
    const outcome = await this.locks.run(`${bucket}/${key}`, async (): Promise<{ completion: Completion; created?: ObjectMeta }> => {
      // a retry of a completion whose answer was lost: the same answer, and no second event
      const done = this.uploads.completion(bucket, key, uploadId);
      if (done) return { completion: done };
      const upload = this.uploads.get(bucket, key, uploadId);
      if (!requested) throw errors.malformedXml();
      const parts = selectParts(upload, requested);
      const size = parts.reduce((n, p) => n + p.size, 0);
      if (size > this.maxObjectBytes) throw errors.entityTooLarge(this.maxObjectBytes);
      this.checkWritePreconditions(req, bucket, key);
      const object = Buffer.concat(parts.map((p) => p.data), size);
      const checksum = upload.checksum ? objectChecksum(upload.checksum, parts, object) : undefined;
      const completion: Completion = { etag: multipartEtag(parts), ...(checksum ? { checksum } : {}) };
      const meta: ObjectMeta = {
        ...upload.template,
        size,
        etag: completion.etag,
        lastModified: new Date().toISOString(),
        ...(checksum ? { checksum } : {}),
        parts: parts.map((p) => p.size),
      };
      await this.store.put(bucket, meta, object);
      this.uploads.finish(upload, completion);
      return { completion, created: meta };
    });
    const { etag, checksum } = outcome.completion;
    this.sendXml(res, 200, 'CompleteMultipartUploadResult', {
      Location: `${this.url}/${bucket}/${uriEncodeKey(key)}`,
      Bucket: bucket,
      Key: key,
      ETag: quote(etag),
      ...(checksum ? { [checksumElement(checksum.algorithm)]: checksum.value, ChecksumType: checksum.type } : {}),
    });
    if (outcome.created) this.objectChanged(res, req, bucket, 'ObjectCreated:CompleteMultipartUpload', outcome.created);
  }

  private listParts(res: ServerResponse, t: Target, upload: Upload): void {
    const maxParts = this.maxParameter(t, 'max-parts');
    const marker = this.maxParameter(t, 'part-number-marker', 0);
    const after = [...upload.parts.values()].filter((p) => p.number > marker).sort((a, b) => a.number - b.number);
    const page = after.slice(0, maxParts);
    this.sendXml(res, 200, 'ListPartsResult', {
      Bucket: upload.bucket,
      Key: upload.key,
      UploadId: upload.id,
      PartNumberMarker: marker,
      ...(page.length > 0 ? { NextPartNumberMarker: page.at(-1)!.number } : {}),
      MaxParts: maxParts,
      IsTruncated: after.length > page.length,
      Part: page.map((p) => ({
        PartNumber: p.number,
        LastModified: p.lastModified,
        ETag: quote(p.etag),
        Size: p.size,
        ...(p.checksum ? { [checksumElement(p.checksum.algorithm)]: p.checksum.value } : {}),
      })),
      Initiator: { ID: this.owner, DisplayName: this.owner },
      Owner: { ID: this.owner, DisplayName: this.owner },
      StorageClass: 'STANDARD',
      ...(upload.checksum ? { ChecksumAlgorithm: upload.checksum.algorithm.toUpperCase(), ChecksumType: upload.checksum.type } : {}),
    });
  }

  private listMultipartUploads(res: ServerResponse, t: Target): void {
    const bucket = t.bucket!;
    this.requireBucket(bucket);
    const p = this.listParams(t);
    const maxUploads = this.maxParameter(t, 'max-uploads');
    const keyMarker = t.query.get('key-marker') || undefined;
    const uploadIdMarker = (keyMarker && t.query.get('upload-id-marker')) || undefined;
    const out = listUploads(this.uploads.list(bucket), {
      prefix: p.prefix,
      ...(p.delimiter ? { delimiter: p.delimiter } : {}),
      maxUploads,
      ...(keyMarker ? { keyMarker } : {}),
      ...(uploadIdMarker ? { uploadIdMarker } : {}),
    });
    this.sendXml(res, 200, 'ListMultipartUploadsResult', {
      Bucket: bucket,
      KeyMarker: p.encode(keyMarker ?? ''),
      UploadIdMarker: uploadIdMarker ?? '',
      ...(out.nextKeyMarker !== undefined ? { NextKeyMarker: p.encode(out.nextKeyMarker) } : {}),
      ...(out.nextUploadIdMarker !== undefined ? { NextUploadIdMarker: out.nextUploadIdMarker } : {}),
      Prefix: p.encode(p.prefix),
      ...(p.delimiter ? { Delimiter: p.encode(p.delimiter) } : {}),
      MaxUploads: maxUploads,
      ...(p.encodingType ? { EncodingType: p.encodingType } : {}),
      IsTruncated: out.isTruncated,
      Upload: out.uploads.map((u) => ({
        Key: p.encode(u.key),
        UploadId: u.id,
        Initiator: { ID: this.owner, DisplayName: this.owner },
        Owner: { ID: this.owner, DisplayName: this.owner },
        StorageClass: 'STANDARD',
        Initiated: u.initiated,
        ...(u.checksum ? { ChecksumAlgorithm: u.checksum.algorithm.toUpperCase(), ChecksumType: u.checksum.type } : {}),
      })),
      CommonPrefixes: out.commonPrefixes.map((cp) => ({ Prefix: p.encode(cp) })),
    });
  }

  /** A count parameter (max-parts, max-uploads, part-number-marker): a non-negative integer, at most 1000 for maxima. */
  private maxParameter(t: Target, name: string, fallback = 1000): number {
    const text = t.query.get(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw errors.invalidArgument(`Provided ${name} not an integer or within integer range`, name, text);
    return name.startsWith('max-') ? Math.min(n, 1000) : n;
  }

  // ---------------------------------------------------------------- notifications

  /** Announces a change to listeners and, once the response has gone out, to the bucket's notification endpoints. */
  private objectChanged(res: ServerResponse, req: IncomingMessage, bucket: string, eventName: string, meta: ObjectMeta): void {
    const info = this.store.bucket(bucket);
    if (!info) return;
    const amz = new Map([...headerMap(req.rawHeaders)].filter(([name]) => name.startsWith('x-amz-')));
    // RGW adds the object's user metadata to a completed multipart upload's record (not in that request)
    if (eventName === 'ObjectCreated:CompleteMultipartUpload') {
      for (const [name, value] of Object.entries(meta.metadata)) if (!amz.has(`x-amz-meta-${name}`)) amz.set(`x-amz-meta-${name}`, value);
    }
    const amzHeaders = [...amz]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, val]) => ({ key, val }));
    const ids = newEventIds();
    const now = new Date();
    const event: ObjectEvent = {
      eventName,
      bucket: { name: bucket, id: info.id },
      owner: this.owner,
      object: { key: meta.key, size: meta.size, etag: meta.etag, tags: meta.tags },
      amzHeaders,
      time: now,
      micros: Number(process.hrtime.bigint() % 1000n),
      requestId: ids.requestId,
      hostId: ids.hostId,
      sequencer: ids.sequencer,
    };
    const publish = (): void => {
      this.emit('object', event);
      for (const config of this.bucketNotifications(bucket)) {
        if (configMatches(config, event)) this.notifications.enqueue(config, rgwRecord(event, config.id, config.opaqueData ?? ''));
      }
    };
    if (res.writableFinished) publish();
    else res.once('finish', publish);
  }
}

/** `x-amz-tagging: k1=v1&k2=v2` (URL-encoded). */
function parseTagging(header: string | undefined): Array<{ key: string; val: string }> {
  if (!header) return [];
  return parseQuery(header).map(([key, val]) => ({ key, val }));
}
