// TF.js graph models (tfjs-converter's GraphDef JSON): a small graph written here op by op, run by
// tfjs-converter itself (the reference executor) and by ONNX Runtime on the export.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { planExport } from '../src/models/onnx/export.ts';
import { compareWithReference, defaultProbe, probeInput, readProbeReference } from '../src/models/onnx/fidelity.ts';
import { computeProbeReference } from '../src/models/onnx/reference.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const ints = (...v: number[]) => ({ list: { i: v.map(String) } });

/** A GraphDef in tfjs-converter's JSON form, its constants in one weight blob. */
class GraphFixture {
  readonly nodes: Record<string, unknown>[] = [];
  readonly specs: tf.io.WeightsManifestEntry[] = [];
  private readonly data: number[][] = [];
  private seed = 1;

  node(name: string, op: string, input: string[], attr: Record<string, unknown> = {}): string {
    this.nodes.push({ name, op, input, attr: { T: { type: 'DT_FLOAT' }, ...attr } });
    return name;
  }

  /** A float constant of random values (positive when `positive`), or given int32 values. */
  constant(name: string, shape: number[], values?: number[], positive = false): string {
    const n = shape.reduce((a, d) => a * d, 1);
    const v = values ?? Array.from(probeInput({ size: Math.ceil(Math.sqrt(n / 3)) + 1, seed: this.seed++, low: positive ? 0.3 : -0.8, high: positive ? 1.5 : 0.8 }).subarray(0, n));
    const dtype = values ? 'int32' : 'float32';
    this.nodes.push({ name, op: 'Const', attr: { dtype: { type: values ? 'DT_INT32' : 'DT_FLOAT' }, value: { tensor: { dtype: values ? 'DT_INT32' : 'DT_FLOAT', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } } });
    this.specs.push({ name, shape, dtype });
    this.data.push(values ? Array.from(new Uint8Array(Int32Array.from(v).buffer)) : Array.from(new Uint8Array(Float32Array.from(v).buffer)));
    return name;
  }

  artifacts(): tf.io.ModelArtifacts {
    return { format: 'graph-model', modelTopology: { node: this.nodes, versions: { producer: 1 } }, weightSpecs: this.specs, weightData: Uint8Array.from(this.data.flat()).buffer };
  }
}

describe('graph model export against tfjs-converter', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
  });

  it('fused and plain convs (SAME on an odd size, stride 2), depthwise, batch norm, pad, pools, mean, fused matmul, softmax', async () => {
    const [H, W] = [17, 17];
    const g = new GraphFixture();
    g.nodes.push({ name: 'image', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: String(H) }, { size: String(W) }, { size: '3' }] } } } });
    const conv = { padding: { s: b64('SAME') }, strides: ints(1, 2, 2, 1), dilations: ints(1, 1, 1, 1), data_format: { s: b64('NHWC') } };
    let x = g.node('c1', '_FusedConv2D', ['image', g.constant('c1/w', [3, 3, 3, 4]), g.constant('c1/b', [4])], { ...conv, num_args: { i: '1' }, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } } });
    x = g.node('dw', 'FusedDepthwiseConv2dNative', [x, g.constant('dw/w', [3, 3, 4, 2]), g.constant('dw/b', [8])], { ...conv, num_args: { i: '1' }, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } } });
    x = g.node('bn', 'FusedBatchNormV3', [x, g.constant('bn/gamma', [8]), g.constant('bn/beta', [8]), g.constant('bn/mean', [8]), g.constant('bn/var', [8], undefined, true)], { epsilon: { f: 0.001 }, data_format: { s: b64('NHWC') } });
    x = g.node('pad', 'Pad', [x, g.constant('pad/p', [4, 2], [0, 0, 1, 0, 0, 2, 0, 0])]);
    x = g.node('avg', 'AvgPool', [x], { ...conv, ksize: ints(1, 3, 3, 1) });
    x = g.node('c2', 'Conv2D', [x, g.constant('c2/w', [1, 1, 8, 6])], { ...conv, padding: { s: b64('VALID') }, strides: ints(1, 1, 1, 1) });
    x = g.node('c2/bias', 'BiasAdd', [x, g.constant('c2/b', [6])], { data_format: { s: b64('NHWC') } });
    x = g.node('leaky', 'LeakyRelu', [x], { alpha: { f: 0.2 } });
    x = g.node('max', 'MaxPool', [x], { ...conv, ksize: ints(1, 2, 2, 1) });
    x = g.node('mean', 'Mean', [x, g.constant('mean/axes', [2], [1, 2])], { keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } });
    x = g.node('fc', '_FusedMatMul', [x, g.constant('fc/w', [6, 5]), g.constant('fc/b', [5])], { transpose_a: { b: false }, transpose_b: { b: false }, num_args: { i: '1' }, fused_ops: { list: { s: [b64('BiasAdd')] } } });
    x = g.node('probs', 'Softmax', [x]);
    g.node('out', 'Identity', [x]);
    const artifacts = g.artifacts();

    const plan = planExport(artifacts, 'graph');
    expect(plan.output).toBe('softmax');
    expect(plan.inputShape).toEqual([H, W, 3]);
    // The reference executor for a graph model is tfjs-converter; the export carries its answer.
    const reference = await computeProbeReference(artifacts, defaultProbe(H), plan.output, { backend: 'cpu' });
    expect(reference.executor).toMatch(/^tfjs-converter /);
    const bytes = plan.encode({ reference });

    const n = 3;
    const input = new Float32Array(n * H * W * 3);
    for (let i = 0; i < n; i++) input.set(probeInput({ size: 20, seed: 40 + i, low: -1, high: 1 }).subarray(0, H * W * 3), i * H * W * 3);
    const model = await loadGraphModel(tf.io.fromMemory(artifacts));
    const expected = tf.tidy(() => (model.predict(tf.tensor4d(input, [n, H, W, 3])) as tf.Tensor).dataSync() as Float32Array);
    const session = await ort.InferenceSession.create(bytes);
    try {
      const out = await session.run({ input: new ort.Tensor('float32', input, [n, H, W, 3]) });
      const got = out.output!.data as Float32Array;
      expect(out.output!.dims).toEqual([n, 5]);
      const worst = Math.max(...expected.map((e, i) => Math.abs(e - (got[i] as number))));
      expect(worst).toBeLessThan(1e-5);
      const embedded = readProbeReference(bytes)!;
      const probe = await session.run({ input: new ort.Tensor('float32', probeInput(embedded.probe), [1, H, W, 3]) });
      expect(compareWithReference(embedded, probe.output!.data as Float32Array).ok).toBe(true);
    } finally {
      await session.release();
      model.dispose();
    }
  });
});
