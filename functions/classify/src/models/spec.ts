import { createHash } from 'node:crypto';
import { z } from 'zod';
import { badRequest } from '../vendor/core/index.js';

/**
 * What a model needs besides its weights. It travels with the model (model.config.json beside
 * model.json) or comes from MODEL_* variables; defaults fit MobileNet-style models.
 */
export const modelConfigFileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
  inputSize: z.number().int().min(8).max(4096).optional(),
  scaling: z.enum(['-1..1', '0..1', '0..255']).optional(),
  output: z.enum(['softmax', 'logits']).optional(),
  resize: z.enum(['center-crop', 'stretch']).optional(),
  cropFraction: z.number().gt(0).max(1).optional(),
  /** Relative to model.json, or an absolute URL. */
  labels: z.string().min(1).optional(),
});
export type ModelConfigFile = z.output<typeof modelConfigFileSchema>;

export type Scaling = NonNullable<ModelConfigFile['scaling']>;

export interface ModelSpec {
  name: string;
  version: string;
  inputSize: number;
  scaling: Scaling;
  output: 'softmax' | 'logits';
  resize: 'center-crop' | 'stretch';
  cropFraction: number;
  labels: string[];
}

/** Pixel value v (0..255) becomes v * scale + offset. */
export function scalingCoefficients(scaling: Scaling): { scale: number; offset: number } {
  switch (scaling) {
    case '-1..1':
      return { scale: 1 / 127.5, offset: -1 };
    case '0..1':
      return { scale: 1 / 255, offset: 0 };
    case '0..255':
      return { scale: 1, offset: 0 };
  }
}

export const labelsSchema = z.union([
  z.array(z.string()),
  // Keras' imagenet_class_index.json shape: {"0": ["n01440764", "tench"], ...}
  z.record(z.string().regex(/^\d+$/), z.tuple([z.string(), z.string()])).transform((m) => {
    const out: string[] = [];
    for (const [i, [, name]] of Object.entries(m)) out[Number(i)] = name;
    return out;
  }),
]);

/** `mobilenet_v1_0.75_224` from `file:///models/mobilenet_v1_0.75_224/model.json` (or `…/model.onnx`). */
export function nameFromUrl(modelUrl: string): string {
  const parts = modelUrl.split(/[/\\]/).filter(Boolean);
  const file = parts.at(-1) ?? 'model';
  return (/^model\.(json|onnx)$/i.test(file) ? parts.at(-2) : file.replace(/\.(json|onnx)$/i, '')) ?? 'model';
}

/** A content-derived version, so results say exactly which weights produced them. */
export function versionFromBytes(modelJson: Uint8Array): string {
  return createHash('sha256').update(modelJson).digest('hex').slice(0, 12);
}

export function parseModelConfigFile(value: unknown, where: string): ModelConfigFile {
  const parsed = modelConfigFileSchema.safeParse(value);
  if (!parsed.success) {
    throw badRequest('invalid_model_config', `${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** RGB bytes → the model's float input, as `scaling` says (bytes are what cross to workers: 4× smaller). */
export function scalePixels(pixels: Uint8Array, scaling: Scaling, into = new Float32Array(pixels.length)): Float32Array {
  const { scale, offset } = scalingCoefficients(scaling);
  for (let i = 0; i < pixels.length; i++) into[i] = (pixels[i] as number) * scale + offset;
  return into;
}
