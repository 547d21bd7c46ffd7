// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { FunctionError } from './errors.js';
import { s3Failure } from './s3.js';

/** Where a model, label file or dataset lives: configuration, never a path baked into code. */
export type Location =
  | { kind: 'file'; path: string }
  | { kind: 'http'; url: URL }
  | { kind: 's3'; bucket: string; key: string };

export function parseLocation(value: string): Location {
  if (value.startsWith('/')) return { kind: 'file', path: value };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FunctionError(400, 'bad_location', `not a URL: ${value} (use file://, http(s):// or s3://)`);
  }
  switch (url.protocol) {
    case 'file:':
      return { kind: 'file', path: fileURLToPath(url) };
    case 'http:':
    case 'https:':
      return { kind: 'http', url };
    case 's3:':
      if (!url.hostname) throw new FunctionError(400, 'bad_location', `s3 URL without a bucket: ${value}`);
      return { kind: 's3', bucket: url.hostname, key: decodeURIComponent(url.pathname.replace(/^\//, '')) };
    default:
      throw new FunctionError(400, 'bad_location', `unsupported scheme ${url.protocol} in ${value} (use file://, http(s):// or s3://)`);
  }
}

export function formatLocation(loc: Location): string {
  switch (loc.kind) {
    case 'file':
      return pathToFileURL(loc.path).href;
    case 'http':
      return loc.url.href;
    case 's3':
      return `s3://${loc.bucket}/${loc.key}`;
  }
}

/** The location of `name` next to `loc` (weights beside model.json, labels beside the model). */
export function siblingLocation(loc: Location, name: string): Location {
  switch (loc.kind) {
    case 'file':
      return { kind: 'file', path: path.join(path.dirname(loc.path), name) };
    case 'http':
      return { kind: 'http', url: new URL(name, loc.url) };
    case 's3': {
      const dir = loc.key.includes('/') ? loc.key.slice(0, loc.key.lastIndexOf('/') + 1) : '';
      return { kind: 's3', bucket: loc.bucket, key: path.posix.normalize(dir + name) };
    }
  }
}

export interface LocationDeps {
  s3?: S3Client;
  /** Whose credentials `s3` signs with, named in S3 errors (e.g. "the model credentials (…)"). */
  s3Identity?: string;
  fetch?: typeof fetch;
}

const signedBy = (deps: LocationDeps): string => (deps.s3Identity ? ` with ${deps.s3Identity}` : '');

const notFound = (loc: Location): FunctionError => new FunctionError(404, 'location_not_found', `nothing at ${formatLocation(loc)}`);

export async function readLocation(loc: Location, deps: LocationDeps = {}): Promise<Uint8Array> {
  switch (loc.kind) {
    case 'file':
      try {
        return await readFile(loc.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(loc);
        throw error;
      }
    case 'http': {
      const res = await (deps.fetch ?? fetch)(loc.url);
      if (res.status === 404) throw notFound(loc);
      if (!res.ok) {
        throw new FunctionError(res.status >= 500 ? 503 : 502, 'location_unreadable', `GET ${loc.url.href} answered ${res.status}`);
      }
      return new Uint8Array(await res.arrayBuffer());
    }
    case 's3': {
      if (!deps.s3) throw new FunctionError(500, 'no_s3_client', `reading ${formatLocation(loc)} needs an S3 client`);
      try {
        const out = await deps.s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
        if (!out.Body) throw notFound(loc);
        return await out.Body.transformToByteArray();
      } catch (error) {
        if (error instanceof FunctionError) throw error;
        const failure = s3Failure(error, `reading ${formatLocation(loc)}${signedBy(deps)}`);
        throw failure.code === 'object_gone' ? notFound(loc) : failure;
      }
    }
  }
}

/** Like readLocation, but `undefined` when nothing is there (optional files beside a model). */
export async function readOptionalLocation(loc: Location, deps: LocationDeps = {}): Promise<Uint8Array | undefined> {
  try {
    return await readLocation(loc, deps);
  } catch (error) {
    if (error instanceof FunctionError && error.code === 'location_not_found') return undefined;
    throw error;
  }
}

export async function readJsonLocation(loc: Location, deps: LocationDeps = {}): Promise<unknown> {
  return parseJsonAt(await readLocation(loc, deps), loc);
}

/** JSON.parse that names the file when it fails (a bare SyntaxError says nothing useful at start-up). */
export function parseJsonAt(bytes: Uint8Array, loc: Location): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new FunctionError(422, 'invalid_json', `${formatLocation(loc)} is not valid JSON (${why})`, undefined, { cause: error });
  }
}

/** True when the location names a folder (a file:// directory, or an s3:// / http URL ending in '/'). */
export async function isFolderLocation(loc: Location): Promise<boolean> {
  if (loc.kind === 'file') return (await stat(loc.path).catch(() => undefined))?.isDirectory() ?? false;
  if (loc.kind === 's3') return loc.key === '' || loc.key.endsWith('/');
  return loc.url.pathname.endsWith('/');
}

/** The objects directly inside a folder location (file:// directory or s3:// prefix), sorted by name. */
export async function listLocation(loc: Location, deps: LocationDeps = {}): Promise<Location[]> {
  if (loc.kind === 'file') {
    const entries = await readdir(loc.path, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort()
      .map((name) => ({ kind: 'file' as const, path: path.join(loc.path, name) }));
  }
  if (loc.kind === 's3') {
    if (!deps.s3) throw new FunctionError(500, 'no_s3_client', `listing ${formatLocation(loc)} needs an S3 client`);
    const prefix = loc.key === '' || loc.key.endsWith('/') ? loc.key : `${loc.key}/`;
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await deps.s3.send(
          new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw s3Failure(error, `listing ${formatLocation(loc)}${signedBy(deps)}`);
    }
    return keys.sort().map((key) => ({ kind: 's3' as const, bucket: loc.bucket, key }));
  }
  throw new FunctionError(400, 'unlistable_location', `cannot list ${formatLocation(loc)}: name the files (http has no listing)`);
}
