import sharp from 'sharp';
import { sharedPath } from '../../../test/support/paths.ts';

/**
 * A real camera-sized JPEG (~17 MB, ~27 Mpx) made from a shared photo: enlarged, sharpened so it does
 * not compress away, encoded at quality 100. Padding a small photo would not be a valid JPEG.
 */
export async function bigJpeg(name = 'kite.jpg'): Promise<Buffer> {
  return sharp(sharedPath('images', name)).resize({ width: 6400 }).sharpen({ sigma: 1.5 }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
}
