import { scalingCoefficients, type Scaling } from '../models/spec.js';

/** RGB bytes → the model's float input, as `scaling` says (bytes are what cross to workers: 4× smaller). */
export function scalePixels(pixels: Uint8Array, scaling: Scaling): Float32Array {
  const { scale, offset } = scalingCoefficients(scaling);
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i] as number) * scale + offset;
  return out;
}

/** One buffer holding the images back to back, so a batch crosses to a worker as one transfer. */
export function concatImages(images: readonly Uint8Array[]): Uint8Array {
  const length = images.reduce((n, image) => n + image.length, 0);
  const out = new Uint8Array(length);
  let offset = 0;
  for (const image of images) {
    out.set(image, offset);
    offset += image.length;
  }
  return out;
}

/** n × classes probabilities → one array per image. */
export function splitRows(values: Float32Array, n: number): Float32Array[] {
  const classes = values.length / n;
  return Array.from({ length: n }, (_, i) => values.slice(i * classes, (i + 1) * classes));
}
