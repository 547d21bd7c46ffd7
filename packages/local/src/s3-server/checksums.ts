/**
 * The checksums S3 clients send (Content-MD5, x-amz-checksum-<algorithm> as a header or an aws-chunked
 * trailer), computed incrementally so a body is hashed while it is decoded. CRC values are sent
 * big-endian, base64-encoded; MD5/SHA digests base64 as well (Content-MD5 and x-amz-checksum-sha*).
 */
import { createHash, type Hash } from 'node:crypto';

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
/** S3's two kinds of object checksum: of all the bytes, or (multipart) of the part checksums, `-<parts>`. */
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface Hasher {
  update(data: Uint8Array): void;
  /** base64 of the digest, as S3 headers carry it */
  digestBase64(): string;
}

function reflectedTable32(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CRC32_TABLE = reflectedTable32(0xedb88320);
const CRC32C_TABLE = reflectedTable32(0x82f63b78);

class Crc32Hasher implements Hasher {
  private crc = 0xffffffff;
  constructor(private readonly table: Uint32Array) {}
  update(data: Uint8Array): void {
    let crc = this.crc;
    const table = this.table;
    for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
    this.crc = crc;
  }
  digestBase64(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE((this.crc ^ 0xffffffff) >>> 0);
    return out.toString('base64');
  }
}

// CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), table kept as two 32-bit halves for speed.
const CRC64_POLY = 0x9a6c9329ac4bc9b5n;
const CRC64_HI = new Uint32Array(256);
const CRC64_LO = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = BigInt(n);
  for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ CRC64_POLY : c >> 1n;
  CRC64_HI[n] = Number(c >> 32n);
  CRC64_LO[n] = Number(c & 0xffffffffn);
}

class Crc64NvmeHasher implements Hasher {
  private hi = 0xffffffff;
  private lo = 0xffffffff;
  update(data: Uint8Array): void {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = 0; i < data.length; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      // (crc >> 8) ^ table[idx]
      const shiftedLo = ((lo >>> 8) | (hi << 24)) >>> 0;
      const shiftedHi = hi >>> 8;
      lo = (shiftedLo ^ CRC64_LO[idx]!) >>> 0;
      hi = (shiftedHi ^ CRC64_HI[idx]!) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }
  digestBase64(): string {
    const out = Buffer.alloc(8);
    out.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
    return out.toString('base64');
  }
}

class NodeHasher implements Hasher {
  private readonly hash: Hash;
  constructor(algorithm: string) {
    this.hash = createHash(algorithm);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digestBase64(): string {
    return this.hash.digest('base64');
  }
}

export function createHasher(algorithm: ChecksumAlgorithm | 'md5'): Hasher {
  switch (algorithm) {
    case 'crc32':
      return new Crc32Hasher(CRC32_TABLE);
    case 'crc32c':
      return new Crc32Hasher(CRC32C_TABLE);
    case 'crc64nvme':
      return new Crc64NvmeHasher();
    case 'sha1':
    case 'sha256':
    case 'md5':
      return new NodeHasher(algorithm);
  }
}

export function checksumOf(algorithm: ChecksumAlgorithm | 'md5', data: Uint8Array): string {
  const h = createHasher(algorithm);
  h.update(data);
  return h.digestBase64();
}

export function isChecksumAlgorithm(value: string): value is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(value);
}

/** `x-amz-checksum-crc32` → `crc32`; undefined for anything else. */
export function algorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(name.toLowerCase());
  return m?.[1] && isChecksumAlgorithm(m[1]) ? m[1] : undefined;
}
