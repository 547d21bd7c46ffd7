/**
 * Where buckets and objects live: in memory (the default; gone when the process ends) or in a
 * directory (kept across runs). Metadata is always held in memory; the directory store keeps each
 * object as two files named by a hash of its key (keys may be anything S3 allows, which no file
 * system does), `<sha256>.data` and `<sha256>.json`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChecksumAlgorithm, ChecksumType } from './checksums.js';

export interface ObjectMeta {
  key: string;
  size: number;
  /** MD5 hex, without quotes */
  etag: string;
  lastModified: string;
  contentType: string;
  /** Standard headers stored with the object and returned on GET/HEAD. */
  headers: Record<string, string>;
  /** User metadata (x-amz-meta-*), names lower-case without the prefix. */
  metadata: Record<string, string>;
  tags: Array<{ key: string; val: string }>;
  /** FULL_OBJECT when no type is given (every single-PUT object). */
  checksum?: { algorithm: ChecksumAlgorithm; value: string; type?: ChecksumType };
  /** Part sizes, in order, of an object made by CompleteMultipartUpload. */
  parts?: number[];
}

export interface BucketInfo {
  name: string;
  creationDate: string;
  /** Ceph-style bucket instance id, used in notification records. */
  id: string;
}

export interface Store {
  readonly kind: 'memory' | 'directory';
  listBuckets(): BucketInfo[];
  bucket(name: string): BucketInfo | undefined;
  createBucket(name: string): Promise<BucketInfo>;
  deleteBucket(name: string): Promise<void>;
  objectCount(bucket: string): number;
  /** Keys in S3 order (UTF-8 byte order). */
  sortedKeys(bucket: string): string[];
  head(bucket: string, key: string): ObjectMeta | undefined;
  read(bucket: string, key: string): Promise<Buffer>;
  put(bucket: string, meta: ObjectMeta, body: Buffer): Promise<void>;
  delete(bucket: string, key: string): Promise<ObjectMeta | undefined>;
}

export const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

const ZONEGROUP = randomUUID();
let bucketCounter = 0;
const newBucketInfo = (name: string): BucketInfo => ({ name, creationDate: new Date().toISOString(), id: `${ZONEGROUP}.4106.${++bucketCounter}` });

interface BucketState {
  info: BucketInfo;
  objects: Map<string, { meta: ObjectMeta; body?: Buffer }>;
  sorted?: string[];
}

abstract class IndexedStore implements Store {
  abstract readonly kind: 'memory' | 'directory';
  protected readonly buckets = new Map<string, BucketState>();

  listBuckets(): BucketInfo[] {
    return [...this.buckets.values()].map((b) => b.info).sort((a, b) => compareKeys(a.name, b.name));
  }
  bucket(name: string): BucketInfo | undefined {
    return this.buckets.get(name)?.info;
  }
  objectCount(bucket: string): number {
    return this.buckets.get(bucket)?.objects.size ?? 0;
  }
  sortedKeys(bucket: string): string[] {
    const state = this.buckets.get(bucket);
    if (!state) return [];
    state.sorted ??= [...state.objects.keys()].sort(compareKeys);
    return state.sorted;
  }
  head(bucket: string, key: string): ObjectMeta | undefined {
    return this.buckets.get(bucket)?.objects.get(key)?.meta;
  }
  protected state(bucket: string): BucketState {
    const state = this.buckets.get(bucket);
    if (!state) throw new Error(`no bucket ${bucket}`);
    return state;
  }
  abstract createBucket(name: string): Promise<BucketInfo>;
  abstract deleteBucket(name: string): Promise<void>;
  abstract read(bucket: string, key: string): Promise<Buffer>;
  abstract put(bucket: string, meta: ObjectMeta, body: Buffer): Promise<void>;
  abstract delete(bucket: string, key: string): Promise<ObjectMeta | undefined>;
}

export class MemoryStore extends IndexedStore {
  readonly kind = 'memory';
  async createBucket(name: string): Promise<BucketInfo> {
    const info = newBucketInfo(name);
    this.buckets.set(name, { info, objects: new Map() });
    return info;
  }
  async deleteBucket(name: string): Promise<void> {
    this.buckets.delete(name);
  }
  async read(bucket: string, key: string): Promise<Buffer> {
    const body = this.state(bucket).objects.get(key)?.body;
    if (!body) throw new Error(`no object ${bucket}/${key}`);
    return body;
  }
  async put(bucket: string, meta: ObjectMeta, body: Buffer): Promise<void> {
    const state = this.state(bucket);
    if (!state.objects.has(meta.key)) state.sorted = undefined;
    state.objects.set(meta.key, { meta, body });
  }
  async delete(bucket: string, key: string): Promise<ObjectMeta | undefined> {
    const state = this.state(bucket);
    const existing = state.objects.get(key);
    if (existing) {
      state.objects.delete(key);
      state.sorted = undefined;
    }
    return existing?.meta;
  }
}

const fileId = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export class DirectoryStore extends IndexedStore {
  readonly kind = 'directory';
  private constructor(readonly root: string) {
    super();
  }

  /** Opens (creating if needed) a directory store and loads its index. */
  static async open(root: string): Promise<DirectoryStore> {
    const store = new DirectoryStore(path.resolve(root));
    await mkdir(store.root, { recursive: true });
    for (const entry of await readdir(store.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(store.root, entry.name);
      const info = JSON.parse(await readFile(path.join(dir, 'bucket.json'), 'utf8').catch(() => 'null')) as BucketInfo | null;
      if (!info) continue;
      const objects = new Map<string, { meta: ObjectMeta }>();
      for (const file of await readdir(path.join(dir, 'objects')).catch(() => [] as string[])) {
        if (!file.endsWith('.json')) continue;
        const meta = JSON.parse(await readFile(path.join(dir, 'objects', file), 'utf8')) as ObjectMeta;
        objects.set(meta.key, { meta });
      }
      store.buckets.set(info.name, { info, objects });
    }
    return store;
  }

  private objectPath(bucket: string, key: string, ext: 'data' | 'json'): string {
    return path.join(this.root, bucket, 'objects', `${fileId(key)}.${ext}`);
  }

  private async writeAtomic(file: string, data: string | Buffer): Promise<void> {
    const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, file);
  }

  async createBucket(name: string): Promise<BucketInfo> {
    const info = newBucketInfo(name);
    await mkdir(path.join(this.root, name, 'objects'), { recursive: true });
    await this.writeAtomic(path.join(this.root, name, 'bucket.json'), JSON.stringify(info, null, 2));
    this.buckets.set(name, { info, objects: new Map() });
    return info;
  }
  async deleteBucket(name: string): Promise<void> {
    this.buckets.delete(name);
    await rm(path.join(this.root, name), { recursive: true, force: true });
  }
  async read(bucket: string, key: string): Promise<Buffer> {
    return readFile(this.objectPath(bucket, key, 'data'));
  }
  /** Writes to one key are serialized, so data and metadata files always belong to the same write. */
  private readonly writing = new Map<string, Promise<void>>();

  async put(bucket: string, meta: ObjectMeta, body: Buffer): Promise<void> {
    const id = `${bucket}/${meta.key}`;
    const previous = this.writing.get(id) ?? Promise.resolve();
    const done = previous.then(() => this.write(bucket, meta, body));
    const settled = done.catch(() => undefined);
    this.writing.set(id, settled);
    void settled.then(() => {
      if (this.writing.get(id) === settled) this.writing.delete(id);
    });
    return done;
  }

  private async write(bucket: string, meta: ObjectMeta, body: Buffer): Promise<void> {
    const state = this.state(bucket);
    // Data first, then metadata: a crash in between leaves the previous version's metadata pointing
    // at new data of another size at worst, never metadata without data.
    await this.writeAtomic(this.objectPath(bucket, meta.key, 'data'), body);
    await this.writeAtomic(this.objectPath(bucket, meta.key, 'json'), JSON.stringify(meta));
    if (!state.objects.has(meta.key)) state.sorted = undefined;
    state.objects.set(meta.key, { meta });
  }
  async delete(bucket: string, key: string): Promise<ObjectMeta | undefined> {
    const state = this.state(bucket);
    const existing = state.objects.get(key);
    if (!existing) return undefined;
    state.objects.delete(key);
    state.sorted = undefined;
    await rm(this.objectPath(bucket, key, 'json'), { force: true });
    await rm(this.objectPath(bucket, key, 'data'), { force: true });
    return existing.meta;
  }
}
