import { TabularModel, type ModelWeights } from '../models/model.js';
import type { PreprocessStep } from '../models/preprocess.js';
import { artifactModelFromWeights } from './convert.js';
import { INTEGRITY_ALGORITHM, weightsDigest } from './integrity.js';
import { ARTIFACT_FORMAT, type Artifact } from './schema.js';
import { loadArtifact } from './load.js';

export interface ReferenceInput {
  id?: string;
  /** Raw features in featureNames order. */
  features: number[];
  /** scikit-learn's own output for the row; omitted: computed here (source "self"). */
  expected?: { class: number; proba: number[] };
}

export interface ArtifactInput {
  name: string;
  description?: string;
  featureNames: string[];
  classes: number[];
  classNames: string[];
  preprocessing: PreprocessStep[];
  weights: ModelWeights;
  training: Artifact['training'];
  reference: { source: 'self' | 'sklearn'; tolerance?: number; rows: ReferenceInput[] };
}

// Expected outputs computed by this implementation agree with themselves to rounding; the slack covers
// the WebAssembly and plain-JavaScript kernels summing in different orders.
const SELF_TOLERANCE = 1e-9;

/**
 * Assembles an artifact (digest, reference outputs) and proves it loads: the returned artifact has
 * been through the same validation and checks the server runs at start.
 */
export function buildArtifact(input: ArtifactInput): Artifact {
  const model = new TabularModel({
    name: input.name,
    featureNames: input.featureNames,
    classes: input.classes,
    classNames: input.classNames,
    preprocessing: input.preprocessing,
    weights: input.weights,
  });
  const raw = Float64Array.from(input.reference.rows.flatMap((r) => r.features));
  const { proba, index } = model.run(raw, input.reference.rows.length);
  const k = input.classes.length;
  const rows = input.reference.rows.map((r, i) => ({
    ...(r.id === undefined ? {} : { id: r.id }),
    features: r.features,
    expected: r.expected ?? { class: input.classes[index[i]!]!, proba: Array.from(proba.subarray(i * k, i * k + k)) },
  }));
  const modelSection = artifactModelFromWeights(input.weights);
  const artifact: Artifact = {
    format: ARTIFACT_FORMAT,
    name: input.name,
    ...(input.description === undefined ? {} : { description: input.description }),
    createdAt: new Date().toISOString(),
    input: { features: input.featureNames, preprocessing: input.preprocessing },
    output: { classes: input.classes, classNames: input.classNames },
    model: modelSection,
    training: input.training,
    reference: { source: input.reference.source, tolerance: input.reference.tolerance ?? SELF_TOLERANCE, rows },
    integrity: { algorithm: INTEGRITY_ALGORITHM, digest: weightsDigest(modelSection) },
  };
  // Round-trip through JSON exactly as a server would read the file.
  loadArtifact(JSON.parse(JSON.stringify(artifact)), `artifact ${input.name}`);
  return artifact;
}
