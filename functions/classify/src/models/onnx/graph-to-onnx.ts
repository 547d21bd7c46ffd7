import { z } from 'zod';
import { GraphBuilder } from './graph-builder.js';
import { INPUT_NAME, kernelToOihw, OUTPUT_NAME, type Translation } from './layers-to-onnx.js';
import { DataType, type Attributes } from './onnx-proto.js';
import { ExportUnsupported } from './unsupported.js';
import type { Weight } from './weights.js';

/**
 * TF.js graph models (tfjs-converter: a TensorFlow GraphDef as JSON, constants in the weights) → ONNX.
 * Tensors stay NHWC as TensorFlow computes them; each convolution and pooling is wrapped in the
 * transposes ONNX's NCHW ops need, which ONNX Runtime's transpose optimizer cancels between neighbours.
 * TensorFlow's SAME padding is ONNX's SAME_UPPER by both specs' definitions (output ceil(in/stride),
 * the odd pad at the end), so no shapes need tracking.
 */

const attrSchema = z.looseObject({
  s: z.string().optional(),
  i: z.union([z.string(), z.number()]).optional(),
  f: z.number().optional(),
  b: z.boolean().optional(),
  type: z.string().optional(),
  list: z.looseObject({ i: z.array(z.union([z.string(), z.number()])).optional(), s: z.array(z.string()).optional() }).optional(),
  shape: z.looseObject({ dim: z.array(z.looseObject({ size: z.union([z.string(), z.number()]).optional() })).optional(), unknownRank: z.boolean().optional() }).optional(),
});
const nodeSchema = z.looseObject({ name: z.string(), op: z.string(), input: z.array(z.string()).optional(), attr: z.record(z.string(), attrSchema).optional() });
const graphSchema = z.looseObject({ node: z.array(nodeSchema) });
type TfNode = z.output<typeof nodeSchema>;

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
const PASS_THROUGH = new Set(['Identity', 'StopGradient', 'Snapshot']);
const SHAPE_ONLY = new Set([...PASS_THROUGH, 'Reshape', 'Squeeze']);
const ELEMENTWISE: Record<string, string> = { Add: 'Add', AddV2: 'Add', BiasAdd: 'Add', Sub: 'Sub', Mul: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min' };

export function translateGraph(topology: unknown, weights: ReadonlyMap<string, Weight>): Translation {
  const parsed = graphSchema.safeParse(topology);
  if (!parsed.success) throw new Error(`not a TF.js graph model topology: ${parsed.error.issues[0]?.message}`);
  return new GraphTranslation(parsed.data.node, weights).run();
}

class GraphTranslation {
  private readonly b = new GraphBuilder();
  /** TF tensor name (`node` or `node:1`) → ONNX value name. */
  private readonly values = new Map<string, string>();
  private readonly byName: Map<string, TfNode>;
  private inputShape: (number | null)[] | undefined;

  constructor(
    private readonly nodes: TfNode[],
    private readonly weights: ReadonlyMap<string, Weight>,
  ) {
    this.byName = new Map(nodes.map((n) => [n.name, n]));
    this.b.reserve(INPUT_NAME);
    this.b.reserve(OUTPUT_NAME);
  }

  run(): Translation {
    const consumed = new Set(this.nodes.flatMap((n) => (n.input ?? []).map((i) => sourceOf(i))));
    const outputs = this.nodes.filter((n) => !consumed.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp');
    if (outputs.length !== 1) throw new ExportUnsupported(`graph outputs ${outputs.map((n) => n.name).join(', ') || '(none)'}`, 'image models have exactly one output');
    const output = outputs[0]!;
    for (const node of this.order(output)) this.translate(node);
    if (!this.inputShape) throw new ExportUnsupported('graph input', 'no Placeholder');
    this.b.nodes.push({ opType: 'Identity', inputs: [this.value(output.name)], outputs: [OUTPUT_NAME], name: OUTPUT_NAME });
    let last = output;
    while (SHAPE_ONLY.has(last.op) && last.input?.[0]) last = this.node(last.input[0]);
    const dims = this.inputShape.map((d, i) => d ?? `in${i + 1}`);
    return {
      graph: {
        name: 'bucketml_export',
        nodes: this.b.nodes,
        initializers: this.b.initializers,
        inputs: [{ name: INPUT_NAME, elemType: DataType.FLOAT, shape: ['batch', ...dims] }],
        // Shapes are not tracked through a GraphDef: ONNX Runtime reports the output's at run time.
        outputs: [{ name: OUTPUT_NAME, elemType: DataType.FLOAT }],
      },
      inputShape: this.inputShape,
      outputShape: [null],
      output: last.op === 'Softmax' ? 'softmax' : 'logits',
    };
  }

  /** The nodes the output depends on, inputs before their readers. */
  private order(output: TfNode): TfNode[] {
    const done = new Set<string>();
    const out: TfNode[] = [];
    const visit = (n: TfNode, depth: number): void => {
      if (done.has(n.name)) return;
      if (depth > 10_000) throw new Error('graph too deep or cyclic');
      done.add(n.name);
      for (const i of n.input ?? []) if (!i.startsWith('^')) visit(this.node(sourceOf(i)), depth + 1);
      out.push(n);
    };
    visit(output, 0);
    return out;
  }

  private node(name: string): TfNode {
    const n = this.byName.get(name);
    if (!n) throw new Error(`graph input ${name} is not a node of the graph`);
    return n;
  }

  private unsupported(n: TfNode, why: string): ExportUnsupported {
    return new ExportUnsupported(`graph model op ${n.op} (node ${n.name})`, why);
  }

  private value(tensor: string): string {
    const key = tensor.endsWith(':0') ? tensor.slice(0, -2) : tensor;
    const v = this.values.get(key);
    if (v) return v;
    const n = this.byName.get(key);
    if (n?.op === 'Const') {
      const name = this.b.floats(key.replace(/[^\w]/g, '_'), this.constant(n).shape, this.constant(n).values);
      this.values.set(key, name);
      return name;
    }
    throw new Error(`tensor ${tensor} is used before it is computed`);
  }

  private constant(n: TfNode): Weight {
    if (n.op !== 'Const') throw this.unsupported(n, 'a constant is needed here (weights, shapes and axes must be fixed)');
    const w = this.weights.get(n.name);
    if (!w) throw new Error(`constant ${n.name} is not in the weights manifest`);
    return w;
  }

  private constInput(n: TfNode, index: number): Weight {
    const name = n.input?.[index];
    if (!name) throw this.unsupported(n, `input ${index} is missing`);
    return this.constant(this.node(sourceOf(name)));
  }

  private ints(n: TfNode, attr: string, fallback?: number[]): number[] {
    const list = n.attr?.[attr]?.list?.i;
    if (!list) {
      if (fallback) return fallback;
      throw this.unsupported(n, `no ${attr}`);
    }
    return list.map(Number);
  }

  private text(n: TfNode, attr: string, fallback = ''): string {
    const s = n.attr?.[attr]?.s;
    return s === undefined ? fallback : Buffer.from(s, 'base64').toString('utf8');
  }

  private number(n: TfNode, attr: string, fallback: number): number {
    const a = n.attr?.[attr];
    return a?.f ?? (a?.i !== undefined ? Number(a.i) : fallback);
  }

  private set(n: TfNode, value: string): void {
    this.values.set(n.name, value);
  }

  private translate(n: TfNode): void {
    const inputs = (n.input ?? []).filter((i) => !i.startsWith('^'));
    const x = (): string => this.value(inputs[0] ?? '');
    if (n.op === 'Const' || n.op === 'NoOp') return;
    if (PASS_THROUGH.has(n.op)) return this.set(n, x());
    const elementwise = ELEMENTWISE[n.op];
    if (elementwise) return this.set(n, this.b.op(elementwise, [x(), this.value(inputs[1] ?? '')], {}, n.name));
    switch (n.op) {
      case 'Placeholder': {
        if (this.inputShape) throw this.unsupported(n, 'a second input');
        const dims = n.attr?.shape?.shape?.dim?.map((d) => Number(d.size ?? -1));
        if (!dims || dims.length !== 4 || dims[3] !== 3) throw this.unsupported(n, `input shape [${dims?.join(', ') ?? '?'}] (an NHWC RGB image is needed)`);
        this.inputShape = dims.slice(1).map((d) => (d < 0 ? null : d));
        return this.set(n, INPUT_NAME);
      }
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        return this.set(n, this.conv(n, x(), inputs));
      case 'MatMul':
      case '_FusedMatMul':
        return this.set(n, this.matMul(n, x(), inputs));
      case 'Relu':
      case 'Relu6':
      case 'LeakyRelu':
      case 'Elu':
      case 'Sigmoid':
      case 'Tanh':
        return this.set(n, this.activation(n, n.op, x(), n.name));
      case 'Softmax':
        return this.set(n, this.b.op('Softmax', [x()], { axis: { int: -1 } }, n.name));
      case 'MaxPool':
      case 'AvgPool':
        return this.set(n, this.pool(n, x()));
      case 'Mean': {
        const axes = [...this.constInput(n, 1).values];
        return this.set(n, this.b.op('ReduceMean', [x()], { axes: { ints: axes }, keepdims: { int: n.attr?.keep_dims?.b ? 1 : 0 } }, n.name));
      }
      case 'Reshape':
        return this.set(n, this.b.op('Reshape', [x(), this.b.int64s(`${n.name}_shape`, [...this.constInput(n, 1).values])], {}, n.name));
      case 'Squeeze': {
        const axes = this.ints(n, 'squeeze_dims', []);
        return this.set(n, this.b.op('Squeeze', axes.length ? [x(), this.b.int64s(`${n.name}_axes`, axes)] : [x()], {}, n.name));
      }
      case 'Pad':
      case 'PadV2': {
        const p = [...this.constInput(n, 1).values];
        const begins = p.filter((_, i) => i % 2 === 0);
        const ends = p.filter((_, i) => i % 2 === 1);
        const padInputs = [x(), this.b.int64s(`${n.name}_pads`, [...begins, ...ends])];
        if (n.op === 'PadV2') padInputs.push(this.value(inputs[2] ?? ''));
        return this.set(n, this.b.op('Pad', padInputs, { mode: { string: 'constant' } }, n.name));
      }
      case 'ConcatV2': {
        const axis = this.constInput(n, inputs.length - 1).values[0] ?? 0;
        return this.set(n, this.b.op('Concat', inputs.slice(0, -1).map((i) => this.value(i)), { axis: { int: axis } }, n.name));
      }
      case 'FusedBatchNorm':
      case 'FusedBatchNormV2':
      case 'FusedBatchNormV3':
        return this.set(n, this.batchNorm(n, x()));
      default:
        throw this.unsupported(n, 'no ONNX mapping for this op');
    }
  }

  private activation(n: TfNode, op: string, x: string, base: string): string {
    switch (op) {
      case 'Relu':
        return this.b.op('Relu', [x], {}, base);
      case 'Relu6':
        return this.b.op('Clip', [x, this.b.scalar(`${base}_min`, 0), this.b.scalar(`${base}_max`, 6)], {}, base);
      case 'LeakyRelu':
        return this.b.op('LeakyRelu', [x], { alpha: { float: this.number(n, n.op === 'LeakyRelu' ? 'alpha' : 'leakyrelu_alpha', 0.2) } }, base);
      case 'Elu':
        return this.b.op('Elu', [x], { alpha: { float: 1 } }, base);
      case 'Sigmoid':
        return this.b.op('Sigmoid', [x], {}, base);
      case 'Tanh':
        return this.b.op('Tanh', [x], {}, base);
      default:
        throw this.unsupported(n, `fused activation ${op}`);
    }
  }

  /** `fused_ops` of _Fused* ops: BiasAdd (args[0]), then at most one activation. */
  private fused(n: TfNode, inputs: string[], firstArg: number, y: string): string {
    const ops = (n.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
    let out = y;
    for (const op of ops) {
      if (op === 'BiasAdd') out = this.b.op('Add', [out, this.value(inputs[firstArg] ?? '')], {}, `${n.name}_bias`);
      else out = this.activation(n, op === 'LeakyRelu' ? 'LeakyRelu' : op, out, `${n.name}_${op.toLowerCase()}`);
    }
    return out;
  }

  private windowAttributes(n: TfNode, kernel: number[]): Attributes {
    if (this.text(n, 'data_format', 'NHWC') !== 'NHWC') throw this.unsupported(n, `data_format ${this.text(n, 'data_format')}`);
    const strides = this.ints(n, 'strides', [1, 1, 1, 1]);
    const padding = this.text(n, 'padding');
    const attributes: Attributes = { kernel_shape: { ints: kernel }, strides: { ints: [strides[1]!, strides[2]!] } };
    if (padding === 'SAME') attributes.auto_pad = { string: 'SAME_UPPER' };
    else if (padding === 'VALID') attributes.pads = { ints: [0, 0, 0, 0] };
    else if (padding === 'EXPLICIT') {
      const p = this.ints(n, 'explicit_paddings');
      attributes.pads = { ints: [p[2]!, p[4]!, p[3]!, p[5]!] };
    } else throw this.unsupported(n, `padding ${padding}`);
    return attributes;
  }

  private nchw(n: TfNode, x: string, build: (nchw: string) => string): string {
    const inner = build(this.b.op('Transpose', [x], { perm: { ints: NHWC_TO_NCHW } }, `${n.name}_nchw`));
    return this.b.op('Transpose', [inner], { perm: { ints: NCHW_TO_NHWC } }, n.name);
  }

  private conv(n: TfNode, x: string, inputs: string[]): string {
    const filter = this.constInput(n, 1);
    const [kh, kw, inC, out] = filter.shape as [number, number, number, number];
    const depthwise = n.op.includes('Depthwise');
    const dilations = this.ints(n, 'dilations', [1, 1, 1, 1]);
    const attributes = { ...this.windowAttributes(n, [kh, kw]), dilations: { ints: [dilations[1]!, dilations[2]!] }, group: { int: depthwise ? inC : 1 } };
    const weights = depthwise ? kernelToOihw(filter.values, kh, kw, 1, inC * out) : kernelToOihw(filter.values, kh, kw, inC, out);
    const w = this.b.floats(`${n.name}_W`, depthwise ? [inC * out, 1, kh, kw] : [out, inC, kh, kw], weights);
    const y = this.nchw(n, x, (t) => this.b.op('Conv', [t, w], attributes, `${n.name}_conv`));
    return n.op.startsWith('Fused') || n.op.startsWith('_Fused') ? this.fused(n, inputs, 2, y) : y;
  }

  private matMul(n: TfNode, x: string, inputs: string[]): string {
    const attributes: Attributes = { transA: { int: n.attr?.transpose_a?.b ? 1 : 0 }, transB: { int: n.attr?.transpose_b?.b ? 1 : 0 } };
    const y = this.b.op('Gemm', [x, this.value(inputs[1] ?? '')], attributes, `${n.name}_gemm`);
    return n.op === '_FusedMatMul' ? this.fused(n, inputs, 2, y) : y;
  }

  private pool(n: TfNode, x: string): string {
    const ksize = this.ints(n, 'ksize');
    const attributes = this.windowAttributes(n, [ksize[1]!, ksize[2]!]);
    // TensorFlow's average divides by the real (unpadded) values: count_include_pad = 0.
    if (n.op === 'AvgPool') attributes.count_include_pad = { int: 0 };
    return this.nchw(n, x, (t) => this.b.op(n.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [t], attributes, `${n.name}_pool`));
  }

  /** Inference batch norm on the last axis as y = x * s + t, with s and t computed here. */
  private batchNorm(n: TfNode, x: string): string {
    if (this.text(n, 'data_format', 'NHWC') !== 'NHWC') throw this.unsupported(n, 'data_format other than NHWC');
    const [scale, offset, mean, variance] = [1, 2, 3, 4].map((i) => this.constInput(n, i).values);
    const epsilon = this.number(n, 'epsilon', 1e-3);
    const s = scale!.map((g, c) => g / Math.sqrt(variance![c]! + epsilon));
    const t = offset!.map((beta, c) => beta - mean![c]! * s[c]!);
    const scaled = this.b.op('Mul', [x, this.b.floats(`${n.name}_scale`, [s.length], s)], {}, `${n.name}_mul`);
    return this.b.op('Add', [scaled, this.b.floats(`${n.name}_shift`, [t.length], t)], {}, n.name);
  }
}

/** `node:1` → `node`; `^node` (a control dependency) → `node`. */
function sourceOf(input: string): string {
  return input.replace(/^\^/, '').replace(/:\d+$/, '');
}
