import sharp, { type Metadata } from 'sharp';
import { FunctionError } from '../vendor/core/index.js';

/** Formats classify accepts; decided from the bytes (sharp sniffs the header), never from the key. */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif']);

export interface DecodeOptions {
  size: number;
  resize: 'center-crop' | 'stretch';
  /** Centre crop keeps this fraction of the shorter side (0.875: ImageNet's resize 256, crop 224). */
  cropFraction: number;
  maxPixels: number;
}

export interface DecodedImage {
  /** RGB, row-major, size*size*3 bytes. */
  pixels: Uint8Array;
  size: number;
  /** What the stored object really is. */
  source: { format: string; width: number; height: number; channels: number; orientation?: number };
}

/**
 * Bytes → a size×size RGB image, the way the models were trained: EXIF orientation applied,
 * alpha composited on white, greyscale expanded to RGB, shorter side resized to size/cropFraction,
 * then the centre size×size cut out (or the whole image stretched, for models trained that way).
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions): Promise<DecodedImage> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new FunctionError(415, 'not_an_image', 'the object is not an image (its content is not a known image format)');
  }
  if (!meta.format || !ACCEPTED_FORMATS.has(meta.format)) {
    throw new FunctionError(415, 'unsupported_image', `unsupported image format ${meta.format ?? 'unknown'} (accepted: ${[...ACCEPTED_FORMATS].join(', ')})`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  // Checked before decoding: a small compressed file can expand into gigabytes of pixels.
  if (width * height > options.maxPixels) {
    throw new FunctionError(413, 'image_too_large', `${width}x${height} pixels exceeds MAX_PIXELS=${options.maxPixels}`);
  }
  try {
    const { size } = options;
    // failOn 'warning': libjpeg reports damaged pixel data only as a warning; such a file is corrupt.
    let pipeline = sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'warning' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb');
    if (options.resize === 'stretch') {
      pipeline = pipeline.resize(size, size, { fit: 'fill' });
    } else {
      const scaled = Math.max(size, Math.round(size / options.cropFraction));
      const margin = Math.floor((scaled - size) / 2);
      pipeline = pipeline
        .resize(scaled, scaled, { fit: 'cover', position: 'centre' })
        .extract({ left: margin, top: margin, width: size, height: size });
    }
    const { data } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (data.length !== size * size * 3) {
      throw new Error(`decoder produced ${data.length} bytes, expected ${size * size * 3}`);
    }
    return {
      pixels: new Uint8Array(data.buffer, data.byteOffset, data.length),
      size,
      source: {
        format: meta.format,
        width,
        height,
        channels: meta.channels ?? 0,
        ...(meta.orientation ? { orientation: meta.orientation } : {}),
      },
    };
  } catch (error) {
    // The header parsed but the pixel data did not: a truncated or corrupt file.
    throw new FunctionError(422, 'corrupt_image', `the ${meta.format} image could not be decoded (truncated or corrupt)`, undefined, { cause: error });
  }
}
