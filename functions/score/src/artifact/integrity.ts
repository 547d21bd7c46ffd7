import { createHash } from 'node:crypto';
import type { ArtifactModel, Tensor } from './schema.js';

/**
 * The weights' digest: SHA-256 over every tensor's values as IEEE-754 float64 little-endian, in the
 * order the model lists them (lda: coef, intercept; mlp: each layer's weights then bias). Hashing values
 * rather than JSON text means re-serialising the file (another JSON library, pretty-printing) keeps it
 * valid, while any changed weight does not.
 */
export const INTEGRITY_ALGORITHM = 'sha256-float64le';

export function modelTensors(model: ArtifactModel): Tensor[] {
  return model.type === 'lda' ? [model.coef, model.intercept] : model.layers.flatMap((l) => [l.weights, l.bias]);
}

export function weightsDigest(model: ArtifactModel): string {
  const hash = createHash('sha256');
  for (const tensor of modelTensors(model)) {
    const bytes = Buffer.alloc(tensor.data.length * 8);
    tensor.data.forEach((v, i) => bytes.writeDoubleLE(v, i * 8));
    hash.update(bytes);
  }
  return hash.digest('hex');
}
