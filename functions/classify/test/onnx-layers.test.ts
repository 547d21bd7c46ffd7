// Layer by layer: small models built with tfjs-layers itself (odd, non-square sizes so that TF's 'same'
// padding is asymmetric; BatchNorm statistics that are not the identity), exported, run by ONNX Runtime
// and compared with tfjs-layers' predict on the same inputs.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExportUnsupported, exportToOnnx, planExport } from '../src/models/onnx/export.ts';
import { probeInput } from '../src/models/onnx/fidelity.ts';
import { decodeWeights } from '../src/models/onnx/weights.ts';

async function artifactsOf(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/** Random, non-trivial BatchNorm statistics (fresh layers hold mean 0, variance 1). */
function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    // In order: gamma (if scale), beta (if center), moving mean, moving variance (positive).
    const weights = layer.getWeights();
    layer.setWeights(weights.map((w, i) => (i === weights.length - 1 ? tf.randomUniform(w.shape, 0.2, 2, 'float32', seed++) : tf.randomUniform(w.shape, -0.5, 1.5, 'float32', seed++))));
  }
}

/** Largest |ONNX Runtime − tfjs-layers| over a batch of probe inputs. */
async function worstDifference(model: tfl.LayersModel, h: number, w: number, batch = 3): Promise<{ difference: number; onnx: Uint8Array }> {
  const onnx = exportToOnnx(await artifactsOf(model), 'layers');
  const per = h * w * 3;
  const input = new Float32Array(batch * per);
  for (let i = 0; i < batch; i++) input.set(noise(per, i + 1), i * per);
  const expected = tf.tidy(() => (model.predict(tf.tensor4d(input, [batch, h, w, 3])) as tf.Tensor).dataSync() as Float32Array);
  const session = await ort.InferenceSession.create(onnx);
  try {
    const out = await session.run({ input: new ort.Tensor('float32', input, [batch, h, w, 3]) });
    const got = out.output!.data as Float32Array;
    expect(got.length).toBe(expected.length);
    return { difference: Math.max(...expected.map((e, i) => Math.abs(e - (got[i] as number)))), onnx };
  } finally {
    await session.release();
  }
}

/** n values in [-1, 1) from the probe generator (any seed). */
function noise(n: number, seed: number): Float32Array {
  // probeInput makes size*size*3 values; take the first n of a square big enough.
  return probeInput({ size: Math.ceil(Math.sqrt(n / 3)) + 1, seed, low: -1, high: 1 }).subarray(0, n);
}

describe('layer mapping against tfjs-layers', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
  });

  it('functional model: strided/dilated/depthwise/separable convs, asymmetric same pads, pools, BN (folded and not), merge, dense', async () => {
    const input = tfl.input({ shape: [31, 29, 3], name: 'image' });
    let x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', name: 'c1' }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: 'bn1', epsilon: 1e-3 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ maxValue: 6, name: 'relu6' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 5, kernelSize: 3, dilationRate: 2, padding: 'valid', activation: 'tanh', name: 'dilated' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, name: 'dw' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: 'bn2', center: false }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.leakyReLU({ alpha: 0.2, name: 'leaky' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.zeroPadding2d({ padding: [[1, 0], [0, 2]], name: 'pad' }).apply(x) as tfl.SymbolicTensor;
    const pooled = tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'avg' }).apply(x) as tfl.SymbolicTensor;
    const sep = tfl.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'sep' }).apply(pooled) as tfl.SymbolicTensor;
    const side = tfl.layers.conv2d({ filters: 8, kernelSize: 1, name: 'side' }).apply(pooled) as tfl.SymbolicTensor;
    x = tfl.layers.add({ name: 'sum' }).apply([sep, side]) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: 'bn3' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'max' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.flatten({ name: 'flat' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 16, activation: 'elu', name: 'fc1' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dropout({ rate: 0.5, name: 'drop' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 5, activation: 'softmax', name: 'fc2' }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: x });
    randomizeBatchNorms(model, 11);

    const { difference } = await worstDifference(model, 31, 29);
    expect(difference).toBeLessThan(1e-5);
    expect(planExport(await artifactsOf(model), 'layers').output).toBe('softmax');
  });

  it('Sequential model ending in logits, global max pooling, stride 2 valid conv on an even size', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [20, 22, 3], filters: 4, kernelSize: [3, 2], strides: 2, padding: 'valid', activation: 'relu', name: 'c' }),
        tfl.layers.maxPooling2d({ poolSize: 2, padding: 'same', name: 'mp' }),
        tfl.layers.conv2d({ filters: 7, kernelSize: 3, strides: [2, 1], padding: 'same', activation: 'sigmoid', name: 'c2' }),
        tfl.layers.globalMaxPooling2d({ name: 'gmp' }),
        tfl.layers.dense({ units: 3, name: 'logits' }),
      ],
    });
    const { difference } = await worstDifference(model, 20, 22);
    expect(difference).toBeLessThan(1e-5);
    expect(planExport(await artifactsOf(model), 'layers').output).toBe('logits');
  });

  it('an unmapped layer gives ExportUnsupported naming the layer and its class', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3, name: 'c' }), tfl.layers.upSampling2d({ size: [2, 2], name: 'up' }), tfl.layers.flatten({ name: 'f' })],
    });
    const artifacts = await artifactsOf(model);
    expect(() => exportToOnnx(artifacts, 'layers')).toThrow(ExportUnsupported);
    expect(() => exportToOnnx(artifacts, 'layers')).toThrow(/layer up \(UpSampling2D\)/);
  });

  it('an unmapped activation and an unmapped graph op are refused by name too', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 2, activation: 'mish', name: 'd' })] });
    const artifacts = await artifactsOf(model);
    expect(() => planExport(artifacts, 'layers')).toThrow(/layer d \(Dense\): activation mish/);
    const placeholder = { name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '8' }, { size: '8' }, { size: '3' }] } } } };
    const graph: tf.io.ModelArtifacts = { modelTopology: { node: [placeholder, { name: 'r', op: 'ResizeBilinear', input: ['x'] }] }, weightSpecs: [], weightData: new ArrayBuffer(0) };
    expect(() => exportToOnnx(graph, 'graph')).toThrow(/graph model op ResizeBilinear \(node r\)/);
  });
});


describe('weight decoding', () => {
  it('dequantizes uint8, uint16 and float16 weight specs exactly as tf.io.decodeWeights', () => {
    const specs: tf.io.WeightsManifestEntry[] = [
      { name: 'a/kernel', shape: [2, 3], dtype: 'float32' },
      { name: 'b/kernel', shape: [5], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.02, min: -1.3 } },
      { name: 'c/kernel', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.001, min: 0.5 } },
      { name: 'd/kernel', shape: [4], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'e/bias', shape: [2], dtype: 'int32' },
    ];
    const parts = [
      new Uint8Array(Float32Array.of(1.5, -2, 3.25, 0, 1e-7, -1e7).buffer),
      Uint8Array.of(0, 1, 127, 200, 255),
      new Uint8Array(Uint16Array.of(0, 1000, 65535).buffer),
      // 1.0, -2.5, 65504 (largest half), a subnormal
      new Uint8Array(Uint16Array.of(0x3c00, 0xc100, 0x7bff, 0x0003).buffer),
      new Uint8Array(Int32Array.of(-7, 42).buffer),
    ];
    const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
    const ours = decodeWeights(specs, data.buffer);
    const theirs = tf.io.decodeWeights(data.buffer, specs);
    for (const spec of specs) {
      expect([...ours.get(spec.name)!.values], spec.name).toEqual([...theirs[spec.name]!.dataSync()]);
      expect(ours.get(spec.name)!.shape).toEqual(spec.shape);
    }
    expect(() => decodeWeights(specs, data.buffer.slice(0, 26))).toThrow(/weight data ends before b\/kernel/);
  });
});
