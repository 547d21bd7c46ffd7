/**
 * The aws-chunked body encoding (Content-Encoding: aws-chunked) that AWS SDKs and the AWS CLI use by
 * default for uploads:
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n … 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n … [x-amz-trailer-signature:<sig>\r\n]]\r\n
 *
 * Signed variants chain every chunk's signature to the previous one (seeded by the request signature);
 * trailers carry the object's checksum. Returns the decoded bytes and the trailing headers, verified.
 */
import { errors, S3Error } from './errors.js';
import { checkChunkSignature, chunkSignature, trailerSignature, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER, type VerifiedRequest } from './sigv4.js';

export interface DecodedChunkedBody {
  data: Buffer;
  /** Trailing headers by lower-case name (x-amz-checksum-crc32, …). */
  trailers: Map<string, string>;
}

const malformed = (why: string): S3Error => new S3Error('IncompleteBody', 400, `The aws-chunked request body is malformed: ${why}.`);

export function isStreamingPayload(payloadHash: string): boolean {
  return payloadHash === STREAMING_SIGNED || payloadHash === STREAMING_SIGNED_TRAILER || payloadHash === STREAMING_UNSIGNED_TRAILER;
}

export function decodeAwsChunked(raw: Buffer, auth: VerifiedRequest, declaredTrailers: string[]): DecodedChunkedBody {
  const signed = auth.payloadHash === STREAMING_SIGNED || auth.payloadHash === STREAMING_SIGNED_TRAILER;
  const withTrailer = auth.payloadHash === STREAMING_SIGNED_TRAILER || auth.payloadHash === STREAMING_UNSIGNED_TRAILER;
  const parts: Buffer[] = [];
  let pos = 0;
  let previous = auth.seedSignature;

  const readLine = (): string => {
    const end = raw.indexOf('\r\n', pos);
    if (end < 0) throw malformed('a line is not terminated by CRLF');
    const line = raw.subarray(pos, end).toString('latin1');
    pos = end + 2;
    return line;
  };

  for (;;) {
    const header = readLine();
    const [sizeText, ...extensions] = header.split(';');
    if (!sizeText || !/^[0-9a-fA-F]+$/.test(sizeText.trim())) throw malformed(`bad chunk header "${header.slice(0, 80)}"`);
    const size = parseInt(sizeText.trim(), 16);
    const signatureExt = extensions.map((e) => e.trim()).find((e) => e.startsWith('chunk-signature='));
    const provided = signatureExt?.slice('chunk-signature='.length);
    if (pos + size > raw.length) throw malformed('a chunk is shorter than its declared size');
    const data = raw.subarray(pos, pos + size);
    pos += size;
    if (signed) {
      const expected = chunkSignature(auth, previous, data);
      checkChunkSignature(expected, provided);
      previous = expected;
    }
    if (size === 0) break;
    if (raw.subarray(pos, pos + 2).toString('latin1') !== '\r\n') throw malformed('chunk data is not followed by CRLF');
    pos += 2;
    parts.push(data);
  }

  const trailers = new Map<string, string>();
  const trailerLines: string[] = [];
  let trailerSig: string | undefined;
  // After the final chunk: trailer lines (if any), then an empty line. Unsigned, trailer-less bodies
  // may end right after `0\r\n`.
  while (pos < raw.length) {
    const line = readLine();
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon < 0) throw malformed(`bad trailer line "${line.slice(0, 80)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') trailerSig = value;
    else {
      trailers.set(name, value);
      trailerLines.push(`${name}:${value}\n`);
    }
  }
  if (withTrailer) {
    for (const name of declaredTrailers) {
      if (!trailers.has(name)) throw malformed(`the trailer ${name} announced in x-amz-trailer is missing`);
    }
  }
  if (auth.payloadHash === STREAMING_SIGNED_TRAILER) {
    checkChunkSignature(trailerSignature(auth, previous, trailerLines.join('')), trailerSig);
  }
  if (!withTrailer && trailers.size > 0) throw errors.invalidRequest('trailing headers were sent without x-amz-trailer');
  return { data: Buffer.concat(parts), trailers };
}
