import type { io } from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { formatLocation, parseJsonAt, readLocation, siblingLocation, type Location, type LocationDeps } from '../vendor/core/index.js';

const modelJsonSchema = z.looseObject({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(z.unknown()) })),
});

export interface LoadedArtifacts {
  artifacts: io.ModelArtifacts;
  kind: 'layers' | 'graph';
  modelJsonBytes: Uint8Array;
}

/** Reads model.json and its weight shards from any Location (tfjs' own loaders know only http and file). */
export async function readModelArtifacts(modelJson: Location, deps: LocationDeps): Promise<LoadedArtifacts> {
  const modelJsonBytes = await readLocation(modelJson, deps);
  const parsed = modelJsonSchema.safeParse(parseJsonAt(modelJsonBytes, modelJson));
  if (!parsed.success) throw new Error(`${formatLocation(modelJson)} is not a TF.js model.json: ${parsed.error.issues[0]?.message}`);
  const json = parsed.data;
  const shards = json.weightsManifest.flatMap((group) => group.paths);
  // Shards are independent files: fetch them concurrently, then concatenate in manifest order.
  const buffers = await Promise.all(shards.map((p) => readLocation(siblingLocation(modelJson, p), deps)));
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  const kind = json.format === 'graph-model' || 'node' in json.modelTopology ? 'graph' : 'layers';
  return {
    kind,
    modelJsonBytes,
    artifacts: {
      modelTopology: json.modelTopology as io.ModelArtifacts['modelTopology'],
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as io.WeightsManifestEntry[],
      weightData: weightData.buffer,
      ...(json.format ? { format: json.format } : {}),
      ...(json.generatedBy ? { generatedBy: json.generatedBy } : {}),
      ...(json.convertedBy ? { convertedBy: json.convertedBy } : {}),
    },
  };
}

/** Input size from a layers topology (`batch_input_shape: [null, 224, 224, 3]`), if it says. */
export function inputSizeFromTopology(topology: unknown): number | undefined {
  const text = JSON.stringify(topology);
  const match = /"batch_input_shape":\[null,(\d+),(\d+),3\]/.exec(text);
  return match && match[1] === match[2] ? Number(match[1]) : undefined;
}
