// The production decoder against the reference one (test/reference-decode.ts: every pixel converted
// to sRGB first, then resized): the same top-1 for every shared photo with both shared models, and
// pixels within a bound, for the shared photos, a camera-sized one, a wide-gamut (Display P3) one
// and both resize modes.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, type DecodeOptions } from '../src/images/decode.ts';
import { selectBackend } from '../src/models/backend.ts';
import { ImageClassifier } from '../src/models/classifier.ts';
import { imagesDir, modelsDir } from '../../../test/support/paths.ts';
import { pixelDifference, referenceDecode } from './reference-decode.ts';

const photos = readdirSync(imagesDir).filter((f) => f.endsWith('.jpg')).sort();
const bytesOf = (name: string): Buffer => readFileSync(path.join(imagesDir, name));
const crop = (over: Partial<DecodeOptions> = {}): DecodeOptions => ({ size: 224, resize: 'center-crop', cropFraction: 0.875, maxPixels: 40_000_000, ...over });

async function compare(bytes: Uint8Array, options: DecodeOptions): Promise<{ mean: number; max: number }> {
  const [actual, expected] = await Promise.all([decodeImage(bytes, options), referenceDecode(bytes, options)]);
  return pixelDifference(actual.pixels, expected);
}

describe('pixels against the reference decoder', () => {
  it.each(photos)('%s: identical in both resize modes', async (name) => {
    // the shared photos carry sRGB profiles (or none): deferring the transform changes nothing
    expect(await compare(bytesOf(name), crop())).toEqual({ mean: 0, max: 0 });
    expect(await compare(bytesOf(name), crop({ resize: 'stretch' }))).toEqual({ mean: 0, max: 0 });
  });

  it('a camera-sized photo (4000 px wide, shrunk at load) is identical', async () => {
    const big = await sharp(bytesOf('dog.jpg')).resize(4000).keepIccProfile().jpeg({ quality: 90 }).toBuffer();
    expect((await sharp(big).metadata()).width).toBe(4000);
    expect(await compare(big, crop())).toEqual({ mean: 0, max: 0 });
  });

  it('a Display P3 photo is converted with its profile: within 0.5 level on average, 8 at most', async () => {
    const p3 = await sharp(bytesOf('dog.jpg')).withIccProfile('p3').jpeg({ quality: 92 }).toBuffer();
    expect((await sharp(p3).metadata()).icc).toBeDefined();
    const difference = await compare(p3, crop());
    expect(difference.mean).toBeLessThan(0.5);
    expect(difference.max).toBeLessThanOrEqual(8);
    // the bound is tight enough to tell: ignoring the profile is far outside it
    const ignored = new Uint8Array(
      await sharp(p3, { ignoreIcc: true }).resize(256, 256, { fit: 'cover' }).extract({ left: 16, top: 16, width: 224, height: 224 }).raw().toBuffer(),
    );
    expect(pixelDifference(ignored, await referenceDecode(p3, crop())).mean).toBeGreaterThan(1);
  });
});

describe('top-1 against the reference decoder, both shared models', () => {
  const models = [
    { name: 'mobilenet_v1_0.75_224', overrides: {} },
    { name: 'darknet_tiny', overrides: { scaling: '0..1', output: 'logits' } as const },
  ];
  const loaded: ImageClassifier[] = [];

  beforeAll(async () => {
    await selectBackend('wasm');
    for (const { name, overrides } of models) {
      loaded.push(await ImageClassifier.load({ modelUrl: pathToFileURL(path.join(modelsDir, name, 'model.json')).href, overrides }, {}, { backend: 'wasm' }));
    }
  }, 120_000);

  afterAll(() => loaded.forEach((c) => c.dispose()));

  it.each(models.map((m, i) => [m.name, i] as const))('%s: every photo gets the reference top-1', async (_, i) => {
    const classifier = loaded[i]!;
    // the fused plan is what serves, and it is still adopted
    expect(classifier.executor).toBe('fused');
    const { inputSize, resize, cropFraction } = classifier.spec;
    const options = crop({ size: inputSize, resize, cropFraction });
    for (const name of photos) {
      const [ours, reference] = await Promise.all([decodeImage(bytesOf(name), options), referenceDecode(bytesOf(name), options)]);
      const [top] = await classifier.classify(ours.pixels, 1);
      const [expected] = await classifier.classify(reference, 1);
      expect(top!.index, name).toBe(expected!.index);
    }
  });
});
