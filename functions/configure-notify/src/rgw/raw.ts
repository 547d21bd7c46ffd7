/**
 * The AWS SDK cannot express Ceph's extensions: S3Metadata/S3Tags/regex filters (its model drops
 * them both ways) and `DELETE /<bucket>?notification=<id>`. Rather than signing requests by hand,
 * these helpers bend an SDK command through its middleware stack: the serialized request is
 * rewritten before the build/sign steps (so the signature covers what is sent), and the raw answer
 * is captured before the SDK's deserializer reads it. Credentials, endpoint resolution, path style,
 * signing and retries stay the SDK's.
 *
 * Every RGW call made here also goes through `rgwErrors`: RGW's error bodies are S3-style XML even
 * on the SNS API, which the SDK's query-protocol parser cannot read (it reports "UnknownError"),
 * so the code and message are read here and thrown as an RgwError.
 */
import { Readable } from 'node:stream';
import { GetBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { RgwError } from './errors.js';
import { childText, find, parseXml } from './xml.js';

interface HttpRequestLike {
  method: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}
interface HttpResponseLike {
  statusCode: number;
  headers: Record<string, string | undefined>;
  body?: unknown;
}
type Handler = (args: { request: unknown }) => Promise<{ response: unknown; output?: unknown }>;
type Middleware = (next: Handler) => Handler;
interface StackOwner {
  middlewareStack: { add(middleware: never, options: { step: string; priority?: string; name?: string; override?: boolean }): void };
}

async function readBody(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const c of body as AsyncIterable<Uint8Array | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
    return Buffer.concat(chunks);
  }
  return Buffer.alloc(0);
}

/** Reads an RGW error body (S3 `<Error>`, SNS `<ErrorResponse><Error>`, or admin JSON). */
export function parseErrorBody(status: number, text: string): RgwError {
  let code = '';
  let message = '';
  let requestId: string | undefined;
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('<')) {
      const root = parseXml(trimmed);
      const error = find(root, 'Error') ?? root;
      code = childText(error, 'Code') ?? '';
      message = childText(error, 'Message') ?? '';
      requestId = childText(error, 'RequestId') ?? childText(root, 'RequestId');
    } else if (trimmed.startsWith('{')) {
      const json = JSON.parse(trimmed) as { Code?: string; Message?: string; RequestId?: string };
      code = json.Code ?? '';
      message = json.Message ?? '';
      requestId = json.RequestId;
    }
  } catch {
    /* keep the status only */
  }
  return new RgwError(status, code || `HTTP${status}`, message, requestId);
}

export interface RawCapture {
  status?: number;
  body?: string;
  /** What the SDK's deserializer gets instead of an empty body (a carrier command's deserializer wants XML). */
  emptyBodyStandIn?: string;
}

/**
 * Adds to one command: error bodies become RgwError; with `capture`, the raw success body is kept
 * (the SDK then parses a copy of it as usual).
 */
export function rgwErrors<C extends StackOwner>(command: C, capture?: RawCapture): C {
  const middleware: Middleware = (next) => async (args) => {
    const result = await next(args);
    const response = result.response as HttpResponseLike;
    if (response.statusCode >= 300 || capture) {
      const bytes = await readBody(response.body);
      if (response.statusCode >= 300) throw parseErrorBody(response.statusCode, bytes.toString('utf8'));
      if (capture) {
        capture.status = response.statusCode;
        capture.body = bytes.toString('utf8');
      }
      response.body = Readable.from([bytes.length === 0 && capture?.emptyBodyStandIn ? Buffer.from(capture.emptyBodyStandIn) : bytes]);
    }
    return result;
  };
  command.middlewareStack.add(middleware as never, { step: 'deserialize', priority: 'low', name: 'bucketMlRgwErrors', override: true });
  return command;
}

export interface RawS3Request {
  method: 'GET' | 'PUT' | 'DELETE';
  bucket: string;
  /** Sub-resource query, e.g. `{ notification: '' }` or `{ notification: 'my-id' }`. */
  query: Record<string, string>;
  /** XML body (PUT). */
  body?: string;
}

/**
 * Sends a bucket sub-resource request the SDK has no command for, signed by the SDK. A
 * GetBucketNotificationConfiguration command carries it (same URL shape: /<bucket>?notification)
 * and has its method, query and body replaced after serialization, before signing.
 */
export async function rawS3(s3: S3Client, request: RawS3Request): Promise<{ status: number; body: string }> {
  const command = new GetBucketNotificationConfigurationCommand({ Bucket: request.bucket });
  const rewrite: Middleware = (next) => async (args) => {
    const req = args.request as HttpRequestLike;
    req.method = request.method;
    req.query = { ...request.query };
    if (request.body !== undefined) {
      req.body = request.body;
      req.headers['content-type'] = 'application/xml';
      req.headers['content-length'] = String(Buffer.byteLength(request.body));
    }
    return next(args);
  };
  command.middlewareStack.add(rewrite as never, { step: 'serialize', priority: 'low', name: 'bucketMlRawRequest', override: true });
  const capture: RawCapture = { emptyBodyStandIn: '<NotificationConfiguration/>' };
  rgwErrors(command, capture);
  // The carrier's deserializer reads the captured copy; its output is not used.
  await s3.send(command);
  return { status: capture.status ?? 0, body: capture.body ?? '' };
}
