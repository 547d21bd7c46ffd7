// The result naming rule classify writes and reconcile looks up: one name per (object version, model),
// and never over RGW's 1024-byte key limit for any key RGW accepts.
import { describe, expect, it } from 'vitest';
import { failureKey, MAX_KEY_BYTES, resultFolder, resultKey, versionTag } from '../src/result-naming.ts';

const model = { name: 'mobilenet_v1_0.75_224', version: 'a74c25424bd9' };
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('result naming', () => {
  it('names the object version and the model, readable for ordinary keys', () => {
    expect(resultKey('results/', 'photos/dog.jpg', versionTag({ eTag: '"9b2c"' })!, model)).toBe('results/photos/dog.jpg/etag-9b2c/mobilenet_v1_0.75_224@a74c25424bd9.json');
    expect(versionTag({ versionId: 'Hp8nT3Rl.0m-9k', eTag: 'x' })).toBe('v-Hp8nT3Rl.0m-9k');
    expect(versionTag({ versionId: 'null', eTag: 'x' })).toBe('etag-x');
  });

  it('another model version gets another name in the same folder', () => {
    const tag = versionTag({ eTag: 'abc' })!;
    const a = resultKey('results/', 'k.jpg', tag, model);
    const b = resultKey('results/', 'k.jpg', tag, { ...model, version: 'v2' });
    expect(a).not.toBe(b);
    expect(a.startsWith(resultFolder('results/', 'k.jpg', tag))).toBe(true);
    expect(b.startsWith(resultFolder('results/', 'k.jpg', tag))).toBe(true);
  });

  it('fits 1024 bytes for every key up to 1024 bytes (multi-byte too), long tags and model names', () => {
    const longModel = { name: 'm'.repeat(300), version: 'ü'.repeat(50) };
    const tag = versionTag({ versionId: 'v'.repeat(200) })!;
    for (const key of ['a'.repeat(1024), 'é'.repeat(512), `${'d/'.repeat(450)}x.jpg`, 'b'.repeat(900)]) {
      for (const m of [model, longModel]) {
        expect(bytes(resultKey('results/', key, tag, m))).toBeLessThanOrEqual(MAX_KEY_BYTES);
        expect(bytes(failureKey('results/', key, tag, m))).toBeLessThanOrEqual(MAX_KEY_BYTES);
      }
    }
  });

  it("a failure is named beside the result, in the same folder, never as the result's key", () => {
    const tag = versionTag({ eTag: 'abc' })!;
    expect(failureKey('results/', 'k.jpg', tag, model)).toBe('results/k.jpg/etag-abc/mobilenet_v1_0.75_224@a74c25424bd9.failed.json');
    const longModel = { name: 'm'.repeat(300), version: '1' };
    expect(failureKey('results/', 'k.jpg', tag, longModel)).not.toBe(resultKey('results/', 'k.jpg', tag, longModel));
    expect(failureKey('results/', 'k.jpg', tag, longModel).startsWith(resultKey('results/', 'k.jpg', tag, longModel).replace(/\.json$/, ''))).toBe(true);
  });

  it('hashed names stay distinct for distinct keys, and characters replaced for safety do not merge values', () => {
    const tag = versionTag({ eTag: 'e' })!;
    expect(resultKey('results/', 'x'.repeat(1000), tag, model)).not.toBe(resultKey('results/', `${'x'.repeat(999)}y`, tag, model));
    expect(resultKey('r/', 'k', tag, { name: 'a b', version: '1' })).not.toBe(resultKey('r/', 'k', tag, { name: 'a_b', version: '1' }));
  });
});
