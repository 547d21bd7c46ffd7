import { GraphBuilder } from './graph-builder.js';
import type { KerasLayer, KerasModel } from './keras-topology.js';
import { DataType, type Attributes, type Dim, type Graph } from './onnx-proto.js';
import { ExportUnsupported } from './unsupported.js';
import type { Weight } from './weights.js';

/**
 * Keras layers → ONNX nodes. Images stay NCHW inside the graph (ONNX Runtime's convolutions want it):
 * the NHWC input is transposed once, and back only where element order matters (Reshape, Flatten,
 * Dense over an image, the output). A value's `shape` is always the Keras one (channels last, no
 * batch); rank 3 means the graph holds it as NCHW.
 */
interface Value {
  name: string;
  shape: (number | null)[];
  /** Produced by a softmax (through shape-only ops): the model outputs probabilities. */
  softmax: boolean;
}

export interface Translation {
  graph: Graph;
  /** [height, width, channels] of the NHWC input. */
  inputShape: (number | null)[];
  outputShape: (number | null)[];
  output: 'softmax' | 'logits';
}

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';
const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
/** Layers that do nothing at inference. */
const IDENTITY_LAYERS = new Set(['Dropout', 'SpatialDropout2D', 'AlphaDropout', 'GaussianDropout', 'GaussianNoise', 'ActivityRegularization']);
const MERGE_OPS: Record<string, string> = { Add: 'Add', Subtract: 'Sub', Multiply: 'Mul', Maximum: 'Max', Minimum: 'Min', Average: 'Mean' };

export function translateLayers(model: KerasModel, weights: ReadonlyMap<string, Weight>): Translation {
  const b = new GraphBuilder();
  b.reserve(INPUT_NAME);
  b.reserve(OUTPUT_NAME);
  const values = new Map<string, Value>();
  const consumers = new Map<string, KerasLayer[]>();
  for (const l of model.layers) for (const i of l.inputs) consumers.set(i, [...(consumers.get(i) ?? []), l]);
  const folded = new Set<string>();
  let inputShape: (number | null)[] | undefined;

  for (const layer of model.layers) {
    if (folded.has(layer.name)) continue;
    const inputs = layer.inputs.map((n) => {
      const v = values.get(n);
      if (!v) throw new Error(`layer ${layer.name} uses ${n} before it is computed (layers out of order)`);
      return v;
    });
    const ctx = new LayerContext(b, layer, weights);
    if (layer.className === 'InputLayer') {
      if (layer.name !== model.input) throw new ExportUnsupported(`input layer ${layer.name}`, 'a second model input');
      inputShape = ctx.inputShape();
      values.set(layer.name, ctx.input(inputShape));
      continue;
    }
    // Conv + BatchNormalization: fold the statistics into the kernel when the BN is the conv's only reader.
    const only = consumers.get(layer.name);
    const bn = only?.length === 1 && only[0]?.className === 'BatchNormalization' && layer.name !== model.output ? only[0] : undefined;
    const foldable = bn !== undefined && ['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D'].includes(layer.className) && (layer.config.activation ?? 'linear') === 'linear';
    const out = ctx.translate(inputs, foldable ? bn : undefined);
    values.set(layer.name, out);
    if (foldable && bn) {
      folded.add(bn.name);
      values.set(bn.name, out);
    }
  }

  const last = values.get(model.output);
  if (!last || !inputShape) throw new Error(`the model's output ${model.output} or its input was never computed`);
  const nhwc = toNhwc(b, last);
  b.nodes.push({ opType: 'Identity', inputs: [nhwc], outputs: [OUTPUT_NAME], name: OUTPUT_NAME });
  const dims = (shape: (number | null)[], prefix: string): Dim[] => ['batch', ...shape.map((d, i) => d ?? `${prefix}${i + 1}`)];
  return {
    graph: {
      name: 'bucketml_export',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [{ name: INPUT_NAME, elemType: DataType.FLOAT, shape: dims(inputShape, 'in') }],
      outputs: [{ name: OUTPUT_NAME, elemType: DataType.FLOAT, shape: dims(last.shape, 'out') }],
    },
    inputShape,
    outputShape: last.shape,
    output: last.softmax ? 'softmax' : 'logits',
  };
}

/**
 * Data in NHWC element order (a rank-4 value is held NCHW in the graph). `orderOnly`: the reader looks
 * at the element order alone (Reshape, Flatten), so a 1×1 image needs no transpose: both orders agree.
 */
function toNhwc(b: GraphBuilder, v: Value, orderOnly = false): string {
  if (v.shape.length !== 3 || (orderOnly && isPixel(v.shape))) return v.name;
  return b.op('Transpose', [v.name], { perm: { ints: NCHW_TO_NHWC } }, `${v.name}_nhwc`);
}

const isPixel = (shape: (number | null)[]): boolean => shape.length === 3 && shape[0] === 1 && shape[1] === 1;

/** A value whose data is in NHWC order, held the graph's way (NCHW when rank 4). */
function fromNhwc(b: GraphBuilder, name: string, shape: (number | null)[], softmax: boolean): Value {
  if (shape.length !== 3) return { name, shape, softmax };
  return { name: b.op('Transpose', [name], { perm: { ints: NHWC_TO_NCHW } }, `${name}_nchw`), shape, softmax };
}

/** Keras axis (of the full NHWC shape, batch included, may be negative) → the graph's axis. */
function graphAxis(axis: number, v: Value): number {
  const rank = v.shape.length + 1;
  const a = axis < 0 ? axis + rank : axis;
  if (a <= 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return rank === 4 ? (NHWC_TO_NCHW.indexOf(a) as number) : a;
}

type Pair = [number, number];

function pair(value: unknown, fallback: number): Pair {
  if (value === undefined || value === null) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((x) => typeof x === 'number')) return [value[0] as number, value[1] as number];
  throw new Error(`expected a number or a pair, got ${JSON.stringify(value)}`);
}

interface Window {
  kernel: Pair;
  strides: Pair;
  dilations: Pair;
  padding: 'same' | 'valid';
}

/**
 * Output size and explicit pads of a sliding window, by TensorFlow's rule: 'same' gives ceil(in/stride)
 * and pads (out-1)*stride + extent - in, the odd one at the end (bottom/right).
 */
function windowAttributes(inH: number | null, inW: number | null, w: Window): { attributes: Attributes; outH: number | null; outW: number | null } {
  const dims = [inH, inW];
  const begin: number[] = [];
  const end: number[] = [];
  const out: (number | null)[] = [];
  for (let i = 0; i < 2; i++) {
    const size = dims[i] ?? null;
    const extent = (w.kernel[i]! - 1) * w.dilations[i]! + 1;
    const stride = w.strides[i]!;
    if (size === null) {
      out.push(null);
      continue;
    }
    if (w.padding === 'valid') {
      out.push(Math.floor((size - extent) / stride) + 1);
      begin.push(0);
      end.push(0);
    } else {
      const o = Math.ceil(size / stride);
      const total = Math.max((o - 1) * stride + extent - size, 0);
      out.push(o);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    }
  }
  const attributes: Attributes = { kernel_shape: { ints: w.kernel }, strides: { ints: w.strides } };
  if (begin.length === 2) attributes.pads = { ints: [...begin, ...end] };
  // Spatial size unknown until run time: ONNX's SAME_UPPER is defined as the same rule (extra pad at the end).
  else attributes.auto_pad = { string: w.padding === 'same' ? 'SAME_UPPER' : 'VALID' };
  return { attributes, outH: out[0] ?? null, outW: out[1] ?? null };
}

/** One layer's translation, with access to its config and weights. */
class LayerContext {
  constructor(
    private readonly b: GraphBuilder,
    private readonly layer: KerasLayer,
    private readonly weights: ReadonlyMap<string, Weight>,
  ) {}

  private get c(): Record<string, unknown> {
    return this.layer.config;
  }

  private unsupported(why: string): ExportUnsupported {
    return new ExportUnsupported(`layer ${this.layer.name} (${this.layer.className})`, why);
  }

  /** `<layer>/<weight>` as tfjs-layers names it; a prefixed scope (`model/<layer>/<weight>`) is accepted too. */
  private weight(of: KerasLayer, name: string): Weight {
    const key = `${of.name}/${name}`;
    const exact = this.weights.get(key);
    if (exact) return exact;
    for (const [k, w] of this.weights) if (k.endsWith(`/${key}`)) return w;
    throw new Error(`weight ${key} of layer ${of.name} is not in the weights manifest`);
  }

  inputShape(): (number | null)[] {
    const shape = (this.c.batch_input_shape ?? this.c.batch_shape) as unknown;
    if (!Array.isArray(shape) || shape.length < 2) throw this.unsupported('input without batch_input_shape');
    const dims = shape.slice(1).map((d) => (typeof d === 'number' ? d : null));
    if (dims.length === 3 && dims[2] === null) throw this.unsupported('image input with an unknown number of channels');
    return dims;
  }

  input(shape: (number | null)[]): Value {
    return fromNhwc(this.b, INPUT_NAME, shape, false);
  }

  translate(inputs: Value[], bn: KerasLayer | undefined): Value {
    const { className } = this.layer;
    const x = inputs[0];
    if (!x) throw this.unsupported('no input');
    if (MERGE_OPS[className]) return this.merge(MERGE_OPS[className], inputs);
    if (inputs.length !== 1) throw this.unsupported(`${inputs.length} inputs`);
    if (IDENTITY_LAYERS.has(className)) return x;
    this.checkDataFormat();
    switch (className) {
      case 'Conv2D':
      case 'DepthwiseConv2D':
      case 'SeparableConv2D':
        return this.activation(this.conv(x, bn), String(this.c.activation ?? 'linear'));
      case 'Dense':
        return this.activation(this.dense(x), String(this.c.activation ?? 'linear'));
      case 'BatchNormalization':
        return this.batchNorm(x);
      case 'Activation':
        return this.activation(x, String(this.c.activation));
      case 'ReLU':
        return this.relu(x);
      case 'LeakyReLU':
        return { ...x, name: this.b.op('LeakyRelu', [x.name], { alpha: { float: Number(this.c.alpha ?? 0.3) } }, this.layer.name), softmax: false };
      case 'ELU':
        return { ...x, name: this.b.op('Elu', [x.name], { alpha: { float: Number(this.c.alpha ?? 1) } }, this.layer.name), softmax: false };
      case 'Softmax':
        return this.softmax(x, Number(this.c.axis ?? -1));
      case 'ZeroPadding2D':
        return this.zeroPadding(x);
      case 'MaxPooling2D':
      case 'AveragePooling2D':
        return this.pool(x, className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool');
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        return this.globalPool(x, className === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool');
      case 'Flatten':
        return this.flatten(x);
      case 'Reshape':
        return this.reshape(x);
      case 'Rescaling':
        return this.rescaling(x);
      case 'Concatenate':
        throw this.unsupported('Concatenate of a single input');
      default:
        throw this.unsupported('no ONNX mapping for this layer class');
    }
  }

  private checkDataFormat(): void {
    const f = this.c.data_format;
    if (f !== undefined && f !== null && f !== 'channels_last' && f !== 'channelsLast') throw this.unsupported(`data_format ${String(f)}`);
  }

  private requireImage(x: Value): [number | null, number | null, number] {
    const [h, w, c] = x.shape;
    if (x.shape.length !== 3 || typeof c !== 'number') throw this.unsupported(`input of shape [${x.shape.join(',')}] (an image [h,w,c] is needed)`);
    return [h ?? null, w ?? null, c];
  }

  private conv(x: Value, bn: KerasLayer | undefined): Value {
    const [, , inC] = this.requireImage(x);
    const padding = this.c.padding;
    if (padding !== 'same' && padding !== 'valid') throw this.unsupported(`padding ${String(padding)}`);
    const window: Window = { kernel: pair(this.c.kernel_size, 1), strides: pair(this.c.strides, 1), dilations: pair(this.c.dilation_rate, 1), padding };
    const useBias = this.c.use_bias !== false;
    const bias = useBias ? this.weight(this.layer, 'bias').values : undefined;
    const [kh, kw] = window.kernel;

    if (this.layer.className === 'SeparableConv2D') {
      // Depthwise (with the layer's window) then a 1×1 pointwise conv carrying the bias, BN and activation.
      const dk = this.weight(this.layer, 'depthwise_kernel');
      const mid = dk.shape[2]! * dk.shape[3]!;
      const depthwise = this.emitConv(x, window, kernelToOihw(dk.values, kh, kw, 1, mid), [mid, 1, kh, kw], inC, undefined, undefined, `${this.layer.name}_depthwise`);
      const pk = this.weight(this.layer, 'pointwise_kernel');
      const out = pk.shape[3]!;
      const pointWindow: Window = { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid' };
      return this.emitConv(depthwise, pointWindow, kernelToOihw(pk.values, 1, 1, mid, out), [out, mid, 1, 1], 1, bias, bn, this.layer.name);
    }
    if (this.layer.className === 'DepthwiseConv2D') {
      // [kh, kw, in, multiplier] is [kh, kw, 1, in*multiplier] in memory: one group per input channel.
      const k = this.weight(this.layer, 'depthwise_kernel');
      const out = k.shape[2]! * k.shape[3]!;
      if (k.shape[2] !== inC) throw this.unsupported(`depthwise kernel for ${k.shape[2]} channels, input has ${inC}`);
      return this.emitConv(x, window, kernelToOihw(k.values, kh, kw, 1, out), [out, 1, kh, kw], inC, bias, bn, this.layer.name);
    }
    const k = this.weight(this.layer, 'kernel');
    const groups = Number(this.c.groups ?? 1);
    const [, , inPerGroup, out] = k.shape as [number, number, number, number];
    if (inPerGroup * groups !== inC) throw this.unsupported(`kernel for ${inPerGroup * groups} input channels, input has ${inC}`);
    return this.emitConv(x, window, kernelToOihw(k.values, kh, kw, inPerGroup, out), [out, inPerGroup, kh, kw], groups, bias, bn, this.layer.name);
  }

  private emitConv(x: Value, window: Window, kernel: Float32Array, dims: number[], group: number, bias: Float32Array | undefined, bn: KerasLayer | undefined, base: string): Value {
    const out = dims[0]!;
    let b = bias;
    if (bn) b = foldBatchNorm(kernel, out, bias, this.bnParams(bn, out));
    const { attributes, outH, outW } = windowAttributes(x.shape[0] ?? null, x.shape[1] ?? null, window);
    const inputs = [x.name, this.b.floats(`${base}_W`, dims, kernel)];
    if (b) inputs.push(this.b.floats(`${base}_B`, [out], b));
    const name = this.b.op('Conv', inputs, { ...attributes, dilations: { ints: window.dilations }, group: { int: group } }, base);
    return { name, shape: [outH, outW, out], softmax: false };
  }

  private bnParams(bn: KerasLayer, channels: number): BatchNormParams {
    const c = bn.config;
    const axis = Array.isArray(c.axis) ? (c.axis as number[])[0] : (c.axis as number | undefined);
    if (axis !== undefined && axis !== -1 && axis !== 3) throw new ExportUnsupported(`layer ${bn.name} (BatchNormalization)`, `axis ${axis} (only the channel axis)`);
    const ones = new Float32Array(channels).fill(1);
    return {
      gamma: c.scale === false ? ones : this.weight(bn, 'gamma').values,
      beta: c.center === false ? new Float32Array(channels) : this.weight(bn, 'beta').values,
      mean: this.weight(bn, 'moving_mean').values,
      variance: this.weight(bn, 'moving_variance').values,
      epsilon: Number(c.epsilon ?? 1e-3),
    };
  }

  private batchNorm(x: Value): Value {
    const channels = x.shape.at(-1);
    if (typeof channels !== 'number') throw this.unsupported('unknown channel count');
    if (x.shape.length !== 3 && x.shape.length !== 1) throw this.unsupported(`input of rank ${x.shape.length + 1}`);
    const p = this.bnParams(this.layer, channels);
    const n = this.layer.name;
    const inputs = [x.name, this.b.floats(`${n}_gamma`, [channels], p.gamma), this.b.floats(`${n}_beta`, [channels], p.beta), this.b.floats(`${n}_mean`, [channels], p.mean), this.b.floats(`${n}_var`, [channels], p.variance)];
    return { ...x, name: this.b.op('BatchNormalization', inputs, { epsilon: { float: p.epsilon } }, n), softmax: false };
  }

  private dense(x: Value): Value {
    const k = this.weight(this.layer, 'kernel');
    const [inF, units] = k.shape as [number, number];
    if (x.shape.at(-1) !== inF) throw this.unsupported(`kernel for ${inF} features, input has ${String(x.shape.at(-1))}`);
    const n = this.layer.name;
    const kernel = this.b.floats(`${n}_W`, [inF, units], k.values);
    const bias = this.c.use_bias !== false ? this.b.floats(`${n}_B`, [units], this.weight(this.layer, 'bias').values) : undefined;
    if (x.shape.length === 1) return { name: this.b.op('Gemm', bias ? [x.name, kernel, bias] : [x.name, kernel], {}, n), shape: [units], softmax: false };
    // Dense over [.., features]: the last axis, in NHWC order.
    const mm = this.b.op('MatMul', [toNhwc(this.b, x), kernel], {}, `${n}_matmul`);
    const y = bias ? this.b.op('Add', [mm, bias], {}, n) : mm;
    return fromNhwc(this.b, y, [...x.shape.slice(0, -1), units], false);
  }

  private relu(x: Value): Value {
    const max = this.c.max_value;
    const slope = Number(this.c.negative_slope ?? 0);
    if (Number(this.c.threshold ?? 0) !== 0) throw this.unsupported('ReLU threshold other than 0');
    if (slope !== 0) {
      if (max !== null && max !== undefined) throw this.unsupported('ReLU with both max_value and negative_slope');
      return { ...x, name: this.b.op('LeakyRelu', [x.name], { alpha: { float: slope } }, this.layer.name), softmax: false };
    }
    if (max === null || max === undefined) return { ...x, name: this.b.op('Relu', [x.name], {}, this.layer.name), softmax: false };
    return this.clip(x, 0, Number(max));
  }

  private clip(x: Value, min: number, max: number): Value {
    const n = this.layer.name;
    return { ...x, name: this.b.op('Clip', [x.name, this.b.scalar(`${n}_min`, min), this.b.scalar(`${n}_max`, max)], {}, n), softmax: false };
  }

  private activation(x: Value, fn: string): Value {
    const n = this.layer.name;
    const unary = (op: string, attributes: Attributes = {}): Value => ({ ...x, name: this.b.op(op, [x.name], attributes, n), softmax: false });
    switch (fn) {
      case 'linear':
        return x;
      case 'relu':
        return unary('Relu');
      case 'relu6':
        return this.clip(x, 0, 6);
      case 'sigmoid':
        return unary('Sigmoid');
      case 'tanh':
        return unary('Tanh');
      case 'elu':
        return unary('Elu', { alpha: { float: 1 } });
      case 'selu':
        return unary('Selu');
      case 'softplus':
        return unary('Softplus');
      case 'softsign':
        return unary('Softsign');
      case 'hard_sigmoid':
      case 'hardSigmoid':
        // Keras and tfjs: clip(0.2x + 0.5, 0, 1), ONNX HardSigmoid's defaults.
        return unary('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } });
      case 'swish':
        return { ...x, name: this.b.op('Mul', [x.name, this.b.op('Sigmoid', [x.name], {}, `${n}_sigmoid`)], {}, n), softmax: false };
      case 'softmax':
        return this.softmax(x, -1);
      default:
        throw this.unsupported(`activation ${fn}`);
    }
  }

  private softmax(x: Value, axis: number): Value {
    // Opset 13 Softmax normalises along exactly one axis, as Keras does.
    return { ...x, name: this.b.op('Softmax', [x.name], { axis: { int: graphAxis(axis, x) } }, this.layer.name), softmax: true };
  }

  private zeroPadding(x: Value): Value {
    const [h, w, c] = this.requireImage(x);
    const p = this.c.padding;
    let rows: Pair;
    let cols: Pair;
    if (Array.isArray(p) && Array.isArray(p[0])) {
      rows = pair(p[0], 0);
      cols = pair(p[1], 0);
    } else {
      const [r, q] = pair(p, 1);
      rows = [r, r];
      cols = [q, q];
    }
    const pads = this.b.int64s(`${this.layer.name}_pads`, [0, 0, rows[0], cols[0], 0, 0, rows[1], cols[1]]);
    const name = this.b.op('Pad', [x.name, pads], { mode: { string: 'constant' } }, this.layer.name);
    return { name, shape: [h === null ? null : h + rows[0] + rows[1], w === null ? null : w + cols[0] + cols[1], c], softmax: false };
  }

  private pool(x: Value, op: 'MaxPool' | 'AveragePool'): Value {
    const [h, w, c] = this.requireImage(x);
    const padding = this.c.padding ?? 'valid';
    if (padding !== 'same' && padding !== 'valid') throw this.unsupported(`padding ${String(padding)}`);
    const kernel = pair(this.c.pool_size, 2);
    const strides = this.c.strides === null || this.c.strides === undefined ? kernel : pair(this.c.strides, 1);
    const { attributes, outH, outW } = windowAttributes(h, w, { kernel, strides, dilations: [1, 1], padding });
    // TF's average pooling divides by the number of real (unpadded) values: count_include_pad = 0.
    if (op === 'AveragePool') attributes.count_include_pad = { int: 0 };
    return { name: this.b.op(op, [x.name], attributes, this.layer.name), shape: [outH, outW, c], softmax: false };
  }

  private globalPool(x: Value, op: 'GlobalAveragePool' | 'GlobalMaxPool'): Value {
    const [, , c] = this.requireImage(x);
    const pooled = this.b.op(op, [x.name], {}, this.c.keepdims === true ? this.layer.name : `${this.layer.name}_pool`);
    if (this.c.keepdims === true) return { name: pooled, shape: [1, 1, c], softmax: false };
    return { name: this.b.op('Flatten', [pooled], { axis: { int: 1 } }, this.layer.name), shape: [c], softmax: false };
  }

  private flatten(x: Value): Value {
    if (x.shape.length === 1) return x;
    const size = x.shape.every((d): d is number => d !== null) ? x.shape.reduce((a, d) => a * d, 1) : null;
    return { name: this.b.op('Flatten', [toNhwc(this.b, x, true)], { axis: { int: 1 } }, this.layer.name), shape: [size], softmax: x.softmax };
  }

  private reshape(x: Value): Value {
    const target = this.c.target_shape;
    if (!Array.isArray(target) || !target.every((d) => typeof d === 'number')) throw this.unsupported('target_shape is not a list of numbers');
    const shape = resolveReshape(x.shape, target as number[]);
    const data = toNhwc(this.b, x, true);
    // 0 keeps the batch size, whatever it is at run time.
    const shapeOf = (dims: number[]): string => this.b.int64s(`${this.layer.name}_shape`, [0, ...dims]);
    // To a 1×1 image: NCHW directly, the element order is the same.
    if (isPixel(shape) && typeof shape[2] === 'number') return { name: this.b.op('Reshape', [data, shapeOf([shape[2], 1, 1])], {}, this.layer.name), shape, softmax: x.softmax };
    const name = this.b.op('Reshape', [data, shapeOf(target as number[])], {}, `${this.layer.name}_nhwc`);
    return fromNhwc(this.b, name, shape, x.softmax);
  }

  private rescaling(x: Value): Value {
    const n = this.layer.name;
    const scaled = this.b.op('Mul', [x.name, this.b.scalar(`${n}_scale`, Number(this.c.scale ?? 1))], {}, `${n}_mul`);
    return { ...x, name: this.b.op('Add', [scaled, this.b.scalar(`${n}_offset`, Number(this.c.offset ?? 0))], {}, n), softmax: false };
  }

  private merge(op: string, inputs: Value[]): Value {
    const first = inputs[0]!;
    if (inputs.some((v) => v.shape.length !== first.shape.length)) throw this.unsupported('inputs of different ranks');
    return { name: this.b.op(op, inputs.map((v) => v.name), {}, this.layer.name), shape: first.shape, softmax: false };
  }
}

interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

/** Keras kernel [kh, kw, in, out] (row-major) → ONNX weights [out, in, kh, kw]. */
export function kernelToOihw(k: Float32Array, kh: number, kw: number, inC: number, outC: number): Float32Array {
  if (k.length !== kh * kw * inC * outC) throw new Error(`kernel of ${k.length} values is not ${kh}x${kw}x${inC}x${outC}`);
  const w = new Float32Array(k.length);
  for (let o = 0; o < outC; o++)
    for (let i = 0; i < inC; i++)
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) w[((o * inC + i) * kh + y) * kw + x] = k[((y * kw + x) * inC + i) * outC + o] as number;
  return w;
}

/** BN(conv(x) + b) = conv'(x) + b': scale each output channel's weights by gamma/sqrt(var+eps), in place. */
function foldBatchNorm(kernel: Float32Array, outC: number, bias: Float32Array | undefined, p: BatchNormParams): Float32Array {
  const perChannel = kernel.length / outC;
  const folded = new Float32Array(outC);
  for (let o = 0; o < outC; o++) {
    const scale = (p.gamma[o] as number) / Math.sqrt((p.variance[o] as number) + p.epsilon);
    for (let j = o * perChannel; j < (o + 1) * perChannel; j++) kernel[j] = (kernel[j] as number) * scale;
    folded[o] = ((bias?.[o] ?? 0) - (p.mean[o] as number)) * scale + (p.beta[o] as number);
  }
  return folded;
}

/** The Keras shape after Reshape(target), resolving one -1 when the input size is known. */
function resolveReshape(input: (number | null)[], target: number[]): (number | null)[] {
  const size = input.every((d): d is number => d !== null) ? input.reduce((a, d) => a * d, 1) : null;
  const known = target.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  return target.map((d) => (d === -1 ? (size === null ? null : size / known) : d));
}
