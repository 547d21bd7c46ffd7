// The fused plan (BatchNorm folded into convolutions, activations fused) must give the same
// probabilities as tfjs-layers running the stock graph, for both shared models.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../test/support/paths.ts';
import { ImageClassifier } from '../src/models/classifier.ts';

const models = [
  { name: 'mobilenet_v1_0.75_224', overrides: {} },
  { name: 'darknet_tiny', overrides: { scaling: '0..1', output: 'logits' } as const },
];

describe('fused inference plan', () => {
  for (const { name, overrides } of models) {
    it(`${name}: is adopted and reproduces tfjs-layers to 1e-4 on random images`, async () => {
      const source = { modelUrl: `file://${sharedPath('models', name, 'model.json')}`, overrides };
      const fused = await ImageClassifier.load(source, {}, { backend: 'wasm' });
      const stock = await ImageClassifier.load(source, {}, { backend: 'wasm', fuse: false });
      try {
        expect(fused.executor).toBe('fused');
        expect(stock.executor).toBe('layers');
        const size = fused.spec.inputSize;
        for (let seed = 1; seed <= 3; seed++) {
          const pixels = new Uint8Array(tf.tidy(() => tf.randomUniform([size * size * 3], 0, 256, 'int32', seed).dataSync()));
          const a = await fused.classify(pixels, 1000);
          const b = await stock.classify(pixels, 1000);
          const byIndex = new Map(b.map((p) => [p.index, p.score]));
          const worst = Math.max(...a.map((p) => Math.abs(p.score - (byIndex.get(p.index) ?? Infinity))));
          expect(worst).toBeLessThan(1e-4);
          expect(a[0]?.index).toBe(b[0]?.index);
        }
      } finally {
        await fused.dispose();
        await stock.dispose();
      }
    });
  }
});
