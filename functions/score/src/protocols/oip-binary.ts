import { endianness } from 'node:os';
import { badRequest, type HttpResponse } from '../vendor/core/index.js';
import type { Datatype } from './oip-tensor.js';
import { halfToFloat } from '../vendor/core/half-float.js';

/**
 * Triton's binary tensor data extension to the Open Inference Protocol (triton-inference-server/server
 * docs/protocol/extension_binary_data.md), which Triton's HTTP client uses by default: the body is the
 * JSON request (its length in the Inference-Header-Content-Length header) followed by each input whose
 * `parameters.binary_data_size` is set, in input order, little-endian, row-major; BOOL is one byte,
 * BYTES a 4-byte length then the bytes. Outputs asked for with `binary_data` (or all, with the
 * request's `binary_data_output`) come back the same way.
 */
export const HEADER_LENGTH = 'inference-header-content-length';

const SIZE: Partial<Record<Datatype, number>> = {
  BOOL: 1, INT8: 1, UINT8: 1, INT16: 2, UINT16: 2, FP16: 2, INT32: 4, UINT32: 4, FP32: 4, INT64: 8, UINT64: 8, FP64: 8,
};

function element(buf: Buffer, at: number, datatype: Datatype): unknown {
  switch (datatype) {
    case 'BOOL': return buf[at] !== 0;
    case 'INT8': return buf.readInt8(at);
    case 'UINT8': return buf.readUInt8(at);
    case 'INT16': return buf.readInt16LE(at);
    case 'UINT16': return buf.readUInt16LE(at);
    case 'FP16': return halfToFloat(buf.readUInt16LE(at));
    case 'INT32': return buf.readInt32LE(at);
    case 'UINT32': return buf.readUInt32LE(at);
    case 'FP32': return buf.readFloatLE(at);
    // Read as exact integers; the tensor check refuses those a double cannot hold.
    case 'INT64': return Number(buf.readBigInt64LE(at));
    case 'UINT64': return Number(buf.readBigUInt64LE(at));
    default: return buf.readDoubleLE(at);
  }
}

function decode(name: string, datatype: Datatype, bytes: Buffer): unknown[] {
  if (datatype === 'BYTES') {
    const out: string[] = [];
    for (let at = 0; at < bytes.length; ) {
      if (at + 4 > bytes.length) throw badRequest('bad_binary', `input "${name}": a BYTES element's length is cut off`);
      const length = bytes.readUInt32LE(at);
      if (at + 4 + length > bytes.length) throw badRequest('bad_binary', `input "${name}": a BYTES element runs past its ${bytes.length} bytes`);
      out.push(bytes.toString('utf8', at + 4, at + 4 + length));
      at += 4 + length;
    }
    return out;
  }
  const size = SIZE[datatype]!;
  if (bytes.length % size !== 0) throw badRequest('bad_binary', `input "${name}": ${bytes.length} bytes is not a whole number of ${datatype} elements`);
  if ((datatype === 'FP32' || datatype === 'FP64') && LITTLE_ENDIAN) {
    // Floats through a typed view of a copy (views need aligned offsets): a read call per element is most of a large request.
    const aligned = new Uint8Array(bytes).buffer;
    return Array.from(datatype === 'FP32' ? new Float32Array(aligned) : new Float64Array(aligned));
  }
  return Array.from({ length: bytes.length / size }, (_, i) => element(bytes, i * size, datatype));
}

const LITTLE_ENDIAN = endianness() === 'LE';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON request of a binary body, with each binary input's elements placed in its `data`. */
export function binaryRequest(body: unknown, headerLength: string): unknown {
  const length = Number(headerLength);
  const bytes = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : undefined;
  if (!bytes) throw badRequest('bad_binary', `${HEADER_LENGTH} is set but the body is not binary`);
  if (!Number.isInteger(length) || length < 0 || length > bytes.length) {
    throw badRequest('bad_binary', `${HEADER_LENGTH} ${JSON.stringify(headerLength)} is not a length within the ${bytes.length}-byte body`);
  }
  let request: unknown;
  try {
    request = JSON.parse(bytes.toString('utf8', 0, length));
  } catch {
    throw badRequest('bad_json', `the first ${length} bytes (${HEADER_LENGTH}) are not a JSON inference request`);
  }
  if (!isObject(request) || !Array.isArray(request['inputs'])) return request;
  let at = length;
  const inputs = request['inputs'].map((input: unknown) => {
    if (!isObject(input) || !isObject(input['parameters']) || input['parameters']['binary_data_size'] === undefined) return input;
    const size = input['parameters']['binary_data_size'];
    const name = String(input['name']);
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw badRequest('bad_binary', `input "${name}": binary_data_size must be a byte count`);
    if (at + size > bytes.length) throw badRequest('bad_binary', `input "${name}": ${size} bytes of binary data announced, ${bytes.length - at} left in the body`);
    if (typeof input['datatype'] !== 'string' || !(input['datatype'] in SIZE || input['datatype'] === 'BYTES')) return input; // the schema reports it
    const data = decode(name, input['datatype'] as Datatype, bytes.subarray(at, at + size));
    at += size;
    return { ...input, data };
  });
  if (at !== bytes.length) throw badRequest('bad_binary', `${bytes.length - at} bytes after the last binary input`);
  return { ...request, inputs };
}

/** The names of the outputs the request wants as binary data. */
export function binaryOutputs(request: unknown): Set<string> {
  if (!isObject(request)) return new Set();
  const all = isObject(request['parameters']) && request['parameters']['binary_data_output'] === true;
  const listed = Array.isArray(request['outputs']) ? request['outputs'].filter(isObject) : undefined;
  if (!listed) return new Set(all ? ['*'] : []);
  return new Set(
    listed
      .filter((o) => {
        const own = isObject(o['parameters']) ? o['parameters']['binary_data'] : undefined;
        return own === true || (own === undefined && all);
      })
      .map((o) => String(o['name'])),
  );
}

interface Output {
  name: string;
  datatype: string;
  shape: number[];
  data: number[];
  parameters?: Json;
}

function encode(output: Output): Buffer {
  const wide = output.datatype === 'INT64';
  const buf = Buffer.alloc(output.data.length * 8);
  output.data.forEach((v, i) => (wide ? buf.writeBigInt64LE(BigInt(v), i * 8) : buf.writeDoubleLE(v, i * 8)));
  return buf;
}

/** A JSON inference response with the wanted outputs moved behind the JSON as binary data. */
export function withBinaryOutputs(response: HttpResponse, wanted: Set<string>): HttpResponse {
  const body = response.body as { outputs?: Output[] };
  if (response.statusCode !== 200 || wanted.size === 0 || !body.outputs) return response;
  const chunks: Buffer[] = [];
  const outputs = body.outputs.map((o) => {
    if (!wanted.has('*') && !wanted.has(o.name)) return o;
    const bytes = encode(o);
    chunks.push(bytes);
    const { data: _data, ...rest } = o;
    return { ...rest, parameters: { ...o.parameters, binary_data_size: bytes.length } };
  });
  const header = Buffer.from(JSON.stringify({ ...body, outputs }));
  return {
    statusCode: 200,
    headers: { ...response.headers, 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(header.length) },
    body: Buffer.concat([header, ...chunks]),
  };
}
