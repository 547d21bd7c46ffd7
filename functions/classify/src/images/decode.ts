import sharp, { type Metadata, type Sharp } from 'sharp';
import { FunctionError } from '../vendor/core/index.js';
import { isSrgbProfile } from './icc.js';

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
 *
 * Cost (measured, docs in the README): JPEG entropy decoding and the embedded ICC profile's colour
 * transform dominate; the resize itself is ~0.5 ms, so the kernel stays lanczos3 (cheaper kernels save
 * nothing measurable and move pixels). libvips already shrinks JPEGs at load (DCT scaling by 2/4/8)
 * because the resize comes before the extract (an extract first would disable it). What is saved
 * here is the colour transform of every decoded pixel: for an RGB image with a profile it runs on
 * the size×size result instead (see decodeRgb).
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
    const data = await decodeRgb(bytes, meta, options);
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

/**
 * The size×size RGB bytes. An 8-bit RGB image with an embedded profile is decoded, oriented, flattened
 * and resized in its own colour space, the profile kept, and only the small result is converted to
 * sRGB with it (a second, tiny pipeline): the colour transform is a per-pixel lookup done on 50 k
 * pixels instead of every decoded one. The result equals the transform-first order exactly for
 * sRGB-profiled photos (all the shared ones) and to within a few levels for wide-gamut ones (Display
 * P3, test/decode.test.ts). Other colour spaces (greyscale, CMYK, 16-bit) take the direct path.
 */
async function decodeRgb(bytes: Uint8Array, meta: Metadata, options: DecodeOptions): Promise<Buffer> {
  const rgb8 = meta.space === 'srgb' && meta.depth === 'uchar';
  // An sRGB profile needs no transform at all: decode as if there were none.
  const srgb = rgb8 && meta.icc !== undefined && isSrgbProfile(meta.icc);
  if (srgb) {
    const plain = sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'warning', ignoreIcc: true }).rotate().flatten({ background: '#ffffff' });
    return fit(plain, options).removeAlpha().raw().toBuffer();
  }
  const deferProfile = meta.icc !== undefined && rgb8;
  // failOn 'warning': libjpeg reports damaged pixel data only as a warning; such a file is corrupt.
  const decoded = sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'warning', ignoreIcc: deferProfile })
    .rotate()
    .flatten({ background: '#ffffff' });
  const fitted = fit(deferProfile ? decoded : decoded.toColourspace('srgb'), options).removeAlpha();
  if (!deferProfile) return fitted.raw().toBuffer();
  const small = await fitted.keepIccProfile().tiff({ compression: 'none' }).toBuffer();
  return sharp(small).toColourspace('srgb').removeAlpha().raw().toBuffer();
}

/** Resize (and crop) to size×size; the resize comes first so JPEG shrink-on-load applies. */
function fit(pipeline: Sharp, options: DecodeOptions): Sharp {
  const { size } = options;
  if (options.resize === 'stretch') return pipeline.resize(size, size, { fit: 'fill' });
  const scaled = Math.max(size, Math.round(size / options.cropFraction));
  const margin = Math.floor((scaled - size) / 2);
  return pipeline
    .resize(scaled, scaled, { fit: 'cover', position: 'centre' })
    .extract({ left: margin, top: margin, width: size, height: size });
}
