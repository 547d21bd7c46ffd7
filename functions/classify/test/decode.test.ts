// decodeImage: bytes → size×size RGB, with images made here by sharp and the real sample photos.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, type DecodeOptions } from '../src/images/decode.ts';
import { FunctionError } from '../src/vendor/core/index.ts';
import { imagesDir } from '../../../test/support/paths.ts';

const SIZE = 32;
const opts = (over: Partial<DecodeOptions> = {}): DecodeOptions => ({ size: SIZE, resize: 'stretch', cropFraction: 0.875, maxPixels: 40_000_000, ...over });

type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];

/** A raw RGB(A) image whose pixel (x, y) is colour(x, y). */
function raw(width: number, height: number, channels: 1 | 3 | 4, colour: (x: number, y: number) => number[]): Sharp {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * channels);
  return sharp(data, { raw: { width, height, channels } });
}

/** Left half red, right half blue. */
const leftRedRightBlue = (w: number, h: number): Sharp => raw(w, h, 3, (x) => (x < w / 2 ? RED : BLUE));

const pixel = (pixels: Uint8Array, size: number, x: number, y: number): Rgb => {
  const i = (y * size + x) * 3;
  return [pixels[i] as number, pixels[i + 1] as number, pixels[i + 2] as number];
};

/** Colour within lossy-compression tolerance. */
function expectColour(actual: Rgb, expected: Rgb, tolerance = 24): void {
  for (let c = 0; c < 3; c++) expect(Math.abs(actual[c]! - expected[c]!), `channel ${c} of [${actual}] vs [${expected}]`).toBeLessThanOrEqual(tolerance);
}

/** PNG's CRC-32 (ISO 3309). */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

async function failure(promise: Promise<unknown>): Promise<FunctionError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FunctionError);
    return error as FunctionError;
  }
  throw new Error('expected a FunctionError, decodeImage resolved');
}

describe('formats, decided by content', () => {
  it.each([
    ['jpeg', (s: Sharp) => s.jpeg({ quality: 95 })],
    ['png', (s: Sharp) => s.png()],
    ['webp', (s: Sharp) => s.webp({ lossless: true })],
  ] as const)('%s → size*size*3 RGB bytes', async (format, encode) => {
    const bytes = await encode(leftRedRightBlue(120, 80)).toBuffer();
    const image = await decodeImage(bytes, opts());
    expect(image.pixels).toBeInstanceOf(Uint8Array);
    expect(image.pixels.length).toBe(SIZE * SIZE * 3);
    expect(image.size).toBe(SIZE);
    expect(image.source).toMatchObject({ format, width: 120, height: 80 });
    expectColour(pixel(image.pixels, SIZE, 2, SIZE / 2), RED);
    expectColour(pixel(image.pixels, SIZE, SIZE - 3, SIZE / 2), BLUE);
  });

  const photos = readdirSync(imagesDir).filter((f) => f.endsWith('.jpg')).sort();

  it('the sample photos are there', () => {
    expect(photos).toHaveLength(7);
  });

  it.each(photos)('real photo %s → 224*224*3 with the centre crop', async (name) => {
    const bytes = readFileSync(path.join(imagesDir, name));
    const meta = await sharp(bytes).metadata();
    const image = await decodeImage(bytes, opts({ size: 224, resize: 'center-crop' }));
    expect(image.pixels.length).toBe(224 * 224 * 3);
    expect(image.source).toMatchObject({ format: 'jpeg', width: meta.width, height: meta.height });
    // a real photo, not a flat fill
    const first = image.pixels[0];
    expect(image.pixels.some((v) => v !== first)).toBe(true);
  });

  it('content decides: text is not an image (415 not_an_image), whatever its key says', async () => {
    const text = Buffer.from('this is notes.txt, uploaded as photo.jpg\n'.repeat(20));
    const error = await failure(decodeImage(text, opts()));
    expect(error.status).toBe(415);
    expect(error.code).toBe('not_an_image');
    expect(error.retryable).toBe(false);
  });

  it('a format sharp knows but classify does not accept (SVG) is 415 unsupported_image', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>');
    expect((await sharp(svg).metadata()).format).toBe('svg');
    const error = await failure(decodeImage(svg, opts()));
    expect(error.status).toBe(415);
    expect(error.code).toBe('unsupported_image');
  });

  it('empty bytes are not an image', async () => {
    expect((await failure(decodeImage(new Uint8Array(0), opts()))).status).toBe(415);
  });
});

describe('pixels the way the models were trained', () => {
  it('EXIF orientation is honoured (orientation 6: rotate 90° clockwise)', async () => {
    const upright = await leftRedRightBlue(64, 32).jpeg({ quality: 100 }).toBuffer();
    const rotated = await leftRedRightBlue(64, 32).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(rotated).metadata()).orientation).toBe(6);

    const plain = await decodeImage(upright, opts());
    expectColour(pixel(plain.pixels, SIZE, 4, SIZE / 2), RED);
    expectColour(pixel(plain.pixels, SIZE, SIZE - 5, SIZE / 2), BLUE);

    // displayed upright, the left half (red) is on top, the right half (blue) at the bottom
    const image = await decodeImage(rotated, opts());
    expect(image.source.orientation).toBe(6);
    expectColour(pixel(image.pixels, SIZE, SIZE / 2, 4), RED);
    expectColour(pixel(image.pixels, SIZE, SIZE / 2, SIZE - 5), BLUE);
    expectColour(pixel(image.pixels, SIZE, 4, 4), RED);
    expectColour(pixel(image.pixels, SIZE, SIZE - 5, 4), RED);
  });

  it('greyscale PNG → RGB with three equal channels', async () => {
    // (sharp writes a 1-channel raw input as RGB unless told the colour space is b-w)
    const grey = await raw(40, 40, 1, (x, y) => [(x * 6 + y) % 256]).toColourspace('b-w').png().toBuffer();
    const meta = await sharp(grey).metadata();
    expect(meta.channels).toBe(1);
    const image = await decodeImage(grey, opts());
    expect(image.pixels.length).toBe(SIZE * SIZE * 3);
    expect(image.source.channels).toBe(1);
    const distinct = new Set<number>();
    for (let i = 0; i < image.pixels.length; i += 3) {
      expect(image.pixels[i + 1]).toBe(image.pixels[i]);
      expect(image.pixels[i + 2]).toBe(image.pixels[i]);
      distinct.add(image.pixels[i]!);
    }
    expect(distinct.size).toBeGreaterThan(10);
  });

  it('16-bit PNG → 8-bit RGB (size*size*3 bytes, values scaled down, not 2 bytes per sample)', async () => {
    const deep = await raw(40, 40, 3, (x) => (x < 20 ? [200, 100, 50] : [10, 20, 30])).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const image = await decodeImage(deep, opts());
    expect(image.pixels.length).toBe(SIZE * SIZE * 3);
    expectColour(pixel(image.pixels, SIZE, 2, SIZE / 2), [200, 100, 50], 2);
    expectColour(pixel(image.pixels, SIZE, SIZE - 3, SIZE / 2), [10, 20, 30], 2);
  });

  it('RGBA: transparent pixels are composited on white, half-transparent ones blended', async () => {
    // left half fully transparent black, right half 50 % red
    const rgba = await raw(40, 40, 4, (x) => (x < 20 ? [0, 0, 0, 0] : [255, 0, 0, 128])).png().toBuffer();
    expect((await sharp(rgba).metadata()).hasAlpha).toBe(true);
    const image = await decodeImage(rgba, opts());
    expect(image.pixels.length).toBe(SIZE * SIZE * 3);
    expectColour(pixel(image.pixels, SIZE, 3, SIZE / 2), [255, 255, 255], 2);
    expectColour(pixel(image.pixels, SIZE, SIZE - 4, SIZE / 2), [255, 127, 127], 3);
  });

  it('stretch and center-crop differ: the crop keeps only the middle of a wide image', async () => {
    // 300×100: thirds red | green | blue
    const wide = await raw(300, 100, 3, (x) => (x < 100 ? RED : x < 200 ? GREEN : BLUE)).png().toBuffer();
    const stretched = await decodeImage(wide, opts({ resize: 'stretch' }));
    const cropped = await decodeImage(wide, opts({ resize: 'center-crop', cropFraction: 0.875 }));
    expect(Buffer.from(stretched.pixels).equals(Buffer.from(cropped.pixels))).toBe(false);
    // stretched: all three bands survive
    expectColour(pixel(stretched.pixels, SIZE, 1, SIZE / 2), RED, 4);
    expectColour(pixel(stretched.pixels, SIZE, SIZE / 2, SIZE / 2), GREEN, 4);
    expectColour(pixel(stretched.pixels, SIZE, SIZE - 2, SIZE / 2), BLUE, 4);
    // centre crop: only the green middle third is left, edge to edge
    for (const x of [0, SIZE / 2, SIZE - 1]) expectColour(pixel(cropped.pixels, SIZE, x, SIZE / 2), GREEN, 4);
  });

  it('center-crop keeps cropFraction of the shorter side', async () => {
    // concentric: a white square frame (outer 1/16 of each side) around black
    const n = 256;
    const framed = await raw(n, n, 3, (x, y) => (Math.min(x, y, n - 1 - x, n - 1 - y) < n / 16 ? [255, 255, 255] : [0, 0, 0])).png().toBuffer();
    const whole = await decodeImage(framed, opts({ resize: 'center-crop', cropFraction: 1 }));
    const cropped = await decodeImage(framed, opts({ resize: 'center-crop', cropFraction: 0.8 }));
    expectColour(pixel(whole.pixels, SIZE, 0, SIZE / 2), [255, 255, 255], 8); // the frame is in the picture
    expectColour(pixel(cropped.pixels, SIZE, 0, SIZE / 2), [0, 0, 0], 8); // cut away by a 0.8 crop
  });
});

describe('limits and broken files', () => {
  it('width*height over maxPixels is refused with 413 before decoding', async () => {
    const small = await leftRedRightBlue(100, 100).png().toBuffer();
    const error = await failure(decodeImage(small, opts({ maxPixels: 100 * 100 - 1 })));
    expect(error.status).toBe(413);
    expect(error.code).toBe('image_too_large');
    await expect(decodeImage(small, opts({ maxPixels: 100 * 100 }))).resolves.toBeDefined();

    // header says 100×100, pixel data is cut off: if decoding came first this would be a 422
    const headerOnly = small.subarray(0, 100);
    expect((await sharp(headerOnly).metadata()).width).toBe(100);
    expect((await failure(decodeImage(headerOnly, opts({ maxPixels: 5000 })))).status).toBe(413);
  });

  it('a decompression bomb (a 1×1 PNG whose header claims 50000×50000) is refused by its header', async () => {
    const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer());
    // IHDR is the first chunk: length(4) 'IHDR'(4) width(4) height(4) ... crc(4) over type+data
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    png.writeUInt32BE(50_000, 16);
    png.writeUInt32BE(50_000, 20);
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    expect(png.length).toBeLessThan(100);
    expect(await sharp(png, { limitInputPixels: false }).metadata()).toMatchObject({ width: 50_000, height: 50_000 });
    const error = await failure(decodeImage(png, opts({ maxPixels: 40_000_000 })));
    expect(error.status).toBe(413);
    expect(error.code).toBe('image_too_large');
  });

  it('a truncated JPEG (first half of dog.jpg) is 422 corrupt_image', async () => {
    const dog = readFileSync(path.join(imagesDir, 'dog.jpg'));
    const half = dog.subarray(0, Math.floor(dog.length / 2));
    // sharp reads the header fine, and by default (failOn 'warning') rejects the truncated scan;
    // with failOn 'none' it would "decode" it leniently, grey-filling the missing half
    expect((await sharp(half).metadata()).format).toBe('jpeg');
    await expect(sharp(half, { failOn: 'none' }).raw().toBuffer()).resolves.toBeDefined();
    const error = await failure(decodeImage(half, opts({ size: 224, resize: 'center-crop' })));
    expect(error.status).toBe(422);
    expect(error.code).toBe('corrupt_image');
    expect(error.retryable).toBe(false);
  });

  // FAILS until src/images/decode.ts stops passing failOn: 'error' (line 46): libjpeg reports corrupt
  // entropy-coded data as a *warning* ("Corrupt JPEG data: premature end of data segment"), so with
  // failOn 'error' sharp decodes the noise and classify stores a result for a broken file. sharp's
  // default, failOn 'warning', rejects it, and still decodes all seven sample photos.
  it('a JPEG with garbage in its scan data is 422 corrupt_image, not classified noise', async () => {
    const dog = Buffer.from(readFileSync(path.join(imagesDir, 'dog.jpg')));
    // keep the headers, overwrite the second half of the file with noise, keep the end marker
    for (let i = Math.floor(dog.length / 2); i < dog.length - 2; i++) dog[i] = (i * 7919) & 0xff;
    await expect(sharp(dog).raw().toBuffer(), 'sharp with its default failOn rejects this file').rejects.toThrow(/Corrupt JPEG data/);
    const error = await failure(decodeImage(dog, opts({ size: 224, resize: 'center-crop' })));
    expect(error.status).toBe(422);
    expect(error.code).toBe('corrupt_image');
  });

  it('a truncated PNG is 422', async () => {
    const png = await raw(200, 200, 3, (x, y) => [x & 0xff, y & 0xff, (x * y) & 0xff]).png().toBuffer();
    const error = await failure(decodeImage(png.subarray(0, Math.floor(png.length / 2)), opts()));
    expect(error.status).toBe(422);
  });
});
