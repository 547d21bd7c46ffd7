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
