/**
 * CompleteMultipartUpload without I/O: reading the part list a client sends, checking it as S3 does
 * (ascending part numbers, every part uploaded with that ETag and checksum, every part but the last at
 * least 5 MiB), and the multipart ETag and checksums of the result.
 */
import { createHash } from 'node:crypto';
import { CHECKSUM_ALGORITHMS, checksumOf, createHasher, type ChecksumAlgorithm, type ChecksumType } from '../checksums.js';
import { errors } from '../errors.js';
import { unescapeXml } from '@bucket-ml/core';
import { elementTexts } from '../xml.js';
import type { Completion, Part, Upload } from './uploads.js';

/** S3's minimum size of every part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;

export interface RequestedPart {
  partNumber: number;
  /** without quotes */
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

const CHECKSUM_ELEMENTS: Record<ChecksumAlgorithm, string> = {
  crc32: 'ChecksumCRC32',
  crc32c: 'ChecksumCRC32C',
  crc64nvme: 'ChecksumCRC64NVME',
  sha1: 'ChecksumSHA1',
  sha256: 'ChecksumSHA256',
};

/** The XML element that carries an algorithm's checksum (ListParts, CompleteMultipartUpload). */
export const checksumElement = (algorithm: ChecksumAlgorithm): string => CHECKSUM_ELEMENTS[algorithm];

const unquote = (etag: string): string => etag.trim().replace(/^&quot;|&quot;$/g, '').replace(/^"|"$/g, '');

/** `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag>…</Part>…`; undefined when malformed or empty. */
export function parseCompleteRequest(xml: string): RequestedPart[] | undefined {
  if (!/<(?:[A-Za-z0-9_]+:)?CompleteMultipartUpload[\s>]/.test(xml)) return undefined;
  const parts: RequestedPart[] = [];
  for (const inner of elementTexts(xml, 'Part')) {
    const [number] = elementTexts(inner, 'PartNumber');
    const [etag] = elementTexts(inner, 'ETag');
    if (number === undefined || etag === undefined || !/^\s*\d+\s*$/.test(number)) return undefined;
    const checksums: RequestedPart['checksums'] = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const [value] = elementTexts(inner, CHECKSUM_ELEMENTS[algorithm]);
      if (value !== undefined) checksums[algorithm] = unescapeXml(value).trim();
    }
    parts.push({ partNumber: Number(number), etag: unquote(unescapeXml(etag)), checksums });
  }
  return parts.length > 0 ? parts : undefined;
}

/** The parts to join, in order, or the error S3 gives for the list. */
export function selectParts(upload: Upload, requested: RequestedPart[], minPartBytes = MIN_PART_BYTES): Part[] {
  const selected: Part[] = [];
  let previous = 0;
  for (const want of requested) {
    if (want.partNumber <= previous) throw errors.invalidPartOrder();
    previous = want.partNumber;
    const part = upload.parts.get(want.partNumber);
    if (!part || part.etag !== want.etag) throw errors.invalidPart(upload.id, want.partNumber, want.etag);
    for (const [algorithm, value] of Object.entries(want.checksums)) {
      if (part.checksum?.algorithm !== algorithm || part.checksum.value !== value) throw errors.invalidPart(upload.id, want.partNumber, want.etag);
    }
    selected.push(part);
  }
  for (const part of selected.slice(0, -1)) {
    if (part.size < minPartBytes) throw errors.entityTooSmall(part.size, minPartBytes, part.number, part.etag);
  }
  return selected;
}

/** S3's multipart ETag: the MD5 of the parts' binary MD5s, then `-<number of parts>`. */
export function multipartEtag(parts: Array<Pick<Part, 'etag'>>): string {
  const md5 = createHash('md5');
  for (const part of parts) md5.update(Buffer.from(part.etag, 'hex'));
  return `${md5.digest('hex')}-${parts.length}`;
}

/**
 * The object's checksum: COMPOSITE is the checksum of the parts' binary checksums, `-<parts>`;
 * FULL_OBJECT is the checksum of all the bytes (CRCs only, as S3 allows).
 */
export function objectChecksum(
  checksum: { algorithm: ChecksumAlgorithm; type: ChecksumType },
  parts: Part[],
  data: Buffer,
): NonNullable<Completion['checksum']> {
  if (checksum.type === 'FULL_OBJECT') return { ...checksum, value: checksumOf(checksum.algorithm, data) };
  const hasher = createHasher(checksum.algorithm);
  for (const part of parts) hasher.update(Buffer.from(part.checksum?.value ?? checksumOf(checksum.algorithm, part.data), 'base64'));
  return { ...checksum, value: `${hasher.digestBase64()}-${parts.length}` };
}

/** The checksum type a CreateMultipartUpload asks for, checked against what S3 allows per algorithm. */
export function checksumType(algorithm: ChecksumAlgorithm, requested: string | undefined): ChecksumType {
  const type = (requested ?? (algorithm === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE')).toUpperCase();
  if (type !== 'COMPOSITE' && type !== 'FULL_OBJECT') throw errors.invalidRequest(`Value for x-amz-checksum-type header is invalid: ${requested}`);
  if (type === 'FULL_OBJECT' && (algorithm === 'sha1' || algorithm === 'sha256')) {
    throw errors.invalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${algorithm.toUpperCase()} checksum algorithm.`);
  }
  if (type === 'COMPOSITE' && algorithm === 'crc64nvme') throw errors.invalidRequest('The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm.');
  return type;
}
