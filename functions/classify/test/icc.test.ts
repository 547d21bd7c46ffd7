// images/icc.ts decides from the profile itself whether a photo's colours need transforming.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isSrgbProfile } from '../src/images/icc.js';

const shared = (name: string): Buffer => readFileSync(new URL(`../../../../shared/images/${name}`, import.meta.url));
const profileOf = async (profile: string): Promise<Uint8Array> => {
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).withIccProfile(profile).png().toBuffer();
  const { icc } = await sharp(png).metadata();
  if (!icc) throw new Error(`libvips embedded no ${profile} profile`);
  return icc;
};

describe('isSrgbProfile', () => {
  it('recognises the sRGB profile cameras and editors embed (ICC v2 desc)', async () => {
    const { icc } = await sharp(shared('dog.jpg')).metadata();
    expect(icc).toBeDefined();
    expect(isSrgbProfile(icc!)).toBe(true);
  });

  it("recognises libvips' own sRGB profile (ICC v4 mluc) and rejects wide-gamut and other-space profiles", async () => {
    expect(isSrgbProfile(await profileOf('srgb'))).toBe(true);
    expect(isSrgbProfile(await profileOf('p3'))).toBe(false);
    // the same sRGB description on a profile whose data colour space is not RGB
    const cmyk = (await sharp(shared('dog.jpg')).metadata()).icc!.slice();
    cmyk.set(Buffer.from('CMYK'), 16);
    expect(isSrgbProfile(cmyk)).toBe(false);
  });

  it('says no to anything it cannot read', async () => {
    const icc = new Uint8Array((await sharp(shared('dog.jpg')).metadata()).icc!);
    expect(isSrgbProfile(icc.subarray(0, 100))).toBe(false);
    const renamed = icc.slice();
    // the description's text (past the 128-byte header, which names sRGB as the device model too)
    const at = Buffer.from(renamed).indexOf('sRGB', 128);
    renamed[at] = 'X'.charCodeAt(0);
    expect(isSrgbProfile(renamed)).toBe(false);
    const truncatedTable = icc.slice();
    new DataView(truncatedTable.buffer).setUint32(128, 10_000);
    expect(() => isSrgbProfile(truncatedTable)).not.toThrow();
  });
});
