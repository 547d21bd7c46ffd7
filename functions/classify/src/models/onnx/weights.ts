import type { io } from '@tensorflow/tfjs-core';
import { ExportUnsupported } from './unsupported.js';
import { HOST_IS_LITTLE_ENDIAN } from './protobuf.js';
import { halfToFloat } from '../../vendor/core/half-float.js';

/** A weight as float32 values with its TF.js (channels-last, Keras) shape. */
export interface Weight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Splits a TF.js weight blob into named float32 weights, in manifest order, dequantizing as tfjs does
 * (uint8/uint16: q * scale + min; float16: IEEE half). Types only from tfjs-core: nothing is loaded.
 */
export function decodeWeights(specs: readonly io.WeightsManifestEntry[], data: io.WeightData | undefined): Map<string, Weight> {
  const bytes = concat(data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const weights = new Map<string, Weight>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    const q = spec.quantization;
    const need = count * (q ? (q.dtype === 'uint8' ? 1 : 2) : 4);
    if (spec.dtype !== 'float32' && spec.dtype !== 'int32') {
      throw new ExportUnsupported(`weight ${spec.name}`, `dtype ${spec.dtype} (only float32 and int32 weights are exported)`);
    }
    if (offset + need > bytes.byteLength) throw new Error(`weight data ends before ${spec.name} (needs ${offset + need} bytes, has ${bytes.byteLength})`);
    if (!q && spec.dtype === 'float32' && HOST_IS_LITTLE_ENDIAN) {
      values.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + need)));
    } else if (!q) {
      for (let i = 0; i < count; i++) {
        values[i] = spec.dtype === 'int32' ? view.getInt32(offset + i * 4, true) : view.getFloat32(offset + i * 4, true);
      }
    } else if (q.dtype === 'float16') {
      for (let i = 0; i < count; i++) values[i] = halfToFloat(view.getUint16(offset + i * 2, true));
    } else {
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < count; i++) values[i] = (q.dtype === 'uint8' ? view.getUint8(offset + i) : view.getUint16(offset + i * 2, true)) * scale + min;
    }
    offset += need;
    weights.set(spec.name, { name: spec.name, shape: [...spec.shape], values });
  }
  return weights;
}

function concat(data: io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  if (parts.length === 1) return new Uint8Array(parts[0] as ArrayBuffer);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out;
}
