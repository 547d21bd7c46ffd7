import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * Inference plan for chain-shaped conv nets (MobileNet v1, Darknet): each Conv2D/DepthwiseConv2D is
 * merged with the BatchNormalization and activation after it into one fused kernel (BN folded into
 * the weights, relu6/leaky ReLU done in-kernel). tfjs-layers runs these as 3 separate ops and fuses
 * only relu for Conv2D, so the plan is several times faster with identical outputs. Models of any
 * other shape are not planned (the caller keeps using tfjs-layers).
 */
type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu';

type Step =
  | { op: 'conv'; depthwise: boolean; filter: tf.Tensor4D; bias: tf.Tensor1D | undefined; strides: [number, number]; pad: 'same' | 'valid'; dilations: [number, number]; activation: Activation; alpha: number }
  | { op: 'dense'; kernel: tf.Tensor2D; bias: tf.Tensor1D | undefined; activation: Activation; alpha: number }
  | { op: 'maxPool' | 'avgPool'; size: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }
  | { op: 'globalAvgPool' }
  | { op: 'reshape'; shape: number[] }
  | { op: 'flatten' }
  | { op: 'softmax' };

interface LayerView {
  className: string;
  config: Record<string, unknown>;
  weights: tf.Tensor[];
  inbound: string[];
  name: string;
}

const FUSABLE = new Set<Activation>(['linear', 'relu', 'relu6', 'elu', 'sigmoid']);

export class FusedPlan {
  private constructor(private readonly steps: Step[]) {}

  /** A plan for the model, or undefined when the model is not a chain of supported layers. */
  static build(model: LayersModel): FusedPlan | undefined {
    const layers = viewLayers(model);
    if (!layers) return undefined;
    const steps: Step[] = [];
    try {
      for (let i = 0; i < layers.length; i++) {
        const layer = layers[i]!;
        switch (layer.className) {
          case 'InputLayer':
          case 'Dropout':
            break;
          case 'Conv2D':
          case 'DepthwiseConv2D':
          case 'Dense': {
            const step = weightedStep(layer);
            if (!step) return dispose(steps);
            // Fold a BatchNormalization that follows, then absorb an activation that follows.
            const next = layers[i + 1];
            if (next?.className === 'BatchNormalization' && step.op !== 'dense') {
              foldBatchNorm(step, next);
              i++;
            }
            const act = layers[i + 1];
            if (step.activation === 'linear' && act) {
              const absorbed = activationOf(act);
              if (absorbed) {
                step.activation = absorbed.activation;
                step.alpha = absorbed.alpha;
                i++;
              }
            }
            steps.push(step);
            break;
          }
          case 'MaxPooling2D':
          case 'AveragePooling2D': {
            const c = layer.config as { poolSize: [number, number]; strides?: [number, number] | null; padding: 'same' | 'valid'; dataFormat?: string };
            if (c.dataFormat && c.dataFormat !== 'channelsLast') return dispose(steps);
            steps.push({ op: layer.className === 'MaxPooling2D' ? 'maxPool' : 'avgPool', size: c.poolSize, strides: c.strides ?? c.poolSize, pad: c.padding });
            break;
          }
          case 'GlobalAveragePooling2D':
            steps.push({ op: 'globalAvgPool' });
            break;
          case 'Reshape':
            steps.push({ op: 'reshape', shape: [-1, ...(layer.config.targetShape as number[])] });
            break;
          case 'Flatten':
            steps.push({ op: 'flatten' });
            break;
          case 'Activation':
          case 'Softmax': {
            const name = layer.className === 'Softmax' ? 'softmax' : (layer.config.activation as string);
            if (name === 'softmax') steps.push({ op: 'softmax' });
            else if (name !== 'linear') return dispose(steps);
            break;
          }
          default:
            return dispose(steps);
        }
      }
    } catch {
      return dispose(steps);
    }
    return new FusedPlan(steps);
  }

  predict(input: tf.Tensor4D): tf.Tensor {
    return tf.tidy(() => {
      let x: tf.Tensor = input;
      for (const s of this.steps) x = run(s, x);
      return x;
    });
  }

  dispose(): void {
    dispose(this.steps);
  }
}

function run(s: Step, x: tf.Tensor): tf.Tensor {
  switch (s.op) {
    case 'conv': {
      const args = { x: x as tf.Tensor4D, filter: s.filter, strides: s.strides, pad: s.pad, dilations: s.dilations, activation: s.activation, leakyreluAlpha: s.alpha, ...(s.bias ? { bias: s.bias } : {}) };
      return s.depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args);
    }
    case 'dense':
      return tf.fused.matMul({ a: x as tf.Tensor2D, b: s.kernel, activation: s.activation, leakyreluAlpha: s.alpha, ...(s.bias ? { bias: s.bias } : {}) });
    case 'maxPool':
      return tf.maxPool(x as tf.Tensor4D, s.size, s.strides, s.pad);
    case 'avgPool':
      return tf.avgPool(x as tf.Tensor4D, s.size, s.strides, s.pad);
    case 'globalAvgPool':
      return tf.mean(x, [1, 2]);
    case 'reshape':
      return tf.reshape(x, s.shape);
    case 'flatten':
      return tf.reshape(x, [x.shape[0] ?? 1, -1]);
    case 'softmax':
      return tf.softmax(x);
  }
}

/** (tfjs-layers reports configs in camelCase, whatever the model.json said.) The model's layers in order, when each one feeds only the next (a chain); else undefined. */
function viewLayers(model: LayersModel): LayerView[] | undefined {
  const views: LayerView[] = [];
  let previous: string | undefined;
  for (const layer of model.layers) {
    const config = layer.getConfig() as Record<string, unknown>;
    const inbound = layer.inboundNodes.flatMap((n) => n.inboundLayers.map((l) => l.name));
    if (previous !== undefined && (inbound.length !== 1 || inbound[0] !== previous)) return undefined;
    if (layer.outboundNodes.length > 1) return undefined;
    views.push({ className: layer.getClassName(), config, weights: layer.getWeights(), inbound, name: layer.name });
    previous = layer.name;
  }
  return views;
}

function activationOf(layer: LayerView): { activation: Activation; alpha: number } | undefined {
  if (layer.className === 'LeakyReLU') return { activation: 'leakyrelu', alpha: Number(layer.config.alpha ?? 0.3) };
  if (layer.className === 'ReLU') {
    const max = layer.config.maxValue as number | null | undefined;
    if (max === 6) return { activation: 'relu6', alpha: 0 };
    if (max == null) return { activation: 'relu', alpha: 0 };
    return undefined;
  }
  if (layer.className === 'Activation' && FUSABLE.has(layer.config.activation as Activation)) {
    return { activation: layer.config.activation as Activation, alpha: 0 };
  }
  return undefined;
}

function weightedStep(layer: LayerView): Extract<Step, { op: 'conv' | 'dense' }> | undefined {
  const c = layer.config as {
    activation: string;
    useBias: boolean;
    strides?: [number, number];
    padding?: 'same' | 'valid';
    dilationRate?: [number, number] | number;
    dataFormat?: string;
  };
  if (!FUSABLE.has(c.activation as Activation)) return undefined;
  if (c.dataFormat && c.dataFormat !== 'channelsLast') return undefined;
  const [kernel, bias] = layer.weights;
  if (!kernel) return undefined;
  const activation = c.activation as Activation;
  if (layer.className === 'Dense') {
    return { op: 'dense', kernel: tf.clone(kernel) as tf.Tensor2D, bias: c.useBias && bias ? (tf.clone(bias) as tf.Tensor1D) : undefined, activation, alpha: 0 };
  }
  const d = c.dilationRate ?? 1;
  return {
    op: 'conv',
    depthwise: layer.className === 'DepthwiseConv2D',
    filter: tf.clone(kernel) as tf.Tensor4D,
    bias: c.useBias && bias ? (tf.clone(bias) as tf.Tensor1D) : undefined,
    strides: c.strides ?? [1, 1],
    pad: c.padding ?? 'valid',
    dilations: typeof d === 'number' ? [d, d] : d,
    activation,
    alpha: 0,
  };
}

/** y = gamma * (conv(x) + b - mean) / sqrt(var + eps) + beta  ==  conv'(x) + b' with scaled weights. */
function foldBatchNorm(step: Extract<Step, { op: 'conv' }>, bn: LayerView): void {
  const c = bn.config as { epsilon: number; center?: boolean; scale?: boolean; axis?: number | number[] };
  const axis = Array.isArray(c.axis) ? c.axis[0] : c.axis;
  if (axis !== undefined && axis !== -1 && axis !== 3) throw new Error('BatchNormalization not over channels');
  const w = [...bn.weights];
  const gamma = c.scale === false ? undefined : w.shift();
  const beta = c.center === false ? undefined : w.shift();
  const [mean, variance] = w;
  if (!mean || !variance) throw new Error('BatchNormalization without moving statistics');
  const [filter, bias] = tf.tidy(() => {
    let scale = tf.rsqrt(tf.add(variance, c.epsilon));
    if (gamma) scale = tf.mul(scale, gamma);
    const shape = step.filter.shape;
    // Conv2D kernels are [h, w, in, out]; depthwise kernels [h, w, in, multiplier] with output in*multiplier.
    const scaleShape = step.depthwise ? [1, 1, shape[2], shape[3]] : [1, 1, 1, shape[3]];
    const f = tf.mul(step.filter, tf.reshape(scale, scaleShape)) as tf.Tensor4D;
    let b = tf.mul(tf.sub(step.bias ?? tf.zerosLike(mean), mean), scale);
    if (beta) b = tf.add(b, beta);
    return [f, b as tf.Tensor1D];
  });
  tf.dispose([step.filter, ...(step.bias ? [step.bias] : [])]);
  step.filter = filter;
  step.bias = bias;
}

function dispose(steps: Step[]): undefined {
  for (const s of steps) {
    if (s.op === 'conv') tf.dispose([s.filter, ...(s.bias ? [s.bias] : [])]);
    if (s.op === 'dense') tf.dispose([s.kernel, ...(s.bias ? [s.bias] : [])]);
  }
  return undefined;
}
