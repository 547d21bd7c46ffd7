// The decoder as it was before shrink-on-load and the deferred colour transform (issue 10): one
// pipeline that converts every decoded pixel to sRGB, then resizes and crops. Kept as the accuracy
// reference the production decoder (src/images/decode.ts) is compared with, pixel by pixel and by top-1.
import sharp from 'sharp';
import type { DecodeOptions } from '../src/images/decode.ts';

export async function referenceDecode(bytes: Uint8Array, options: DecodeOptions): Promise<Uint8Array> {
  const { size } = options;
  let pipeline = sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'warning' })
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb');
  if (options.resize === 'stretch') {
    pipeline = pipeline.resize(size, size, { fit: 'fill' });
  } else {
    const scaled = Math.max(size, Math.round(size / options.cropFraction));
    const margin = Math.floor((scaled - size) / 2);
    pipeline = pipeline.resize(scaled, scaled, { fit: 'cover', position: 'centre' }).extract({ left: margin, top: margin, width: size, height: size });
  }
  return new Uint8Array(await pipeline.removeAlpha().raw().toBuffer());
}

/** Mean and largest absolute difference between two images of the same size, in 8-bit levels. */
export function pixelDifference(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  if (a.length !== b.length) throw new RangeError(`${a.length} vs ${b.length} bytes`);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}
