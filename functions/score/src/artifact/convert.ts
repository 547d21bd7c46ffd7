import { toInMajor, toOutMajor } from '../models/mlp.js';
import { TabularModel, type ModelWeights } from '../models/model.js';
import type { Artifact, ArtifactModel, Tensor } from './schema.js';

/** A problem found in an artifact; the loader collects them all before refusing it. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}

const shapeOf = (t: Tensor): string => `[${t.shape.join(', ')}]`;

function expectShape(problems: string[], what: string, t: Tensor, shape: number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    problems.push(`${what} has shape ${shapeOf(t)}, expected [${shape.join(', ')}]`);
  }
}

/** Shape problems between the weights and the declared features and classes (empty when consistent). */
export function shapeProblems(a: Artifact): string[] {
  const problems: string[] = [];
  const features = a.input.features.length;
  const classes = a.output.classes.length;
  if (a.model.type === 'lda') {
    expectShape(problems, 'model.coef', a.model.coef, [classes, features]);
    expectShape(problems, 'model.intercept', a.model.intercept, [classes]);
    return problems;
  }
  let inputs = features;
  const layers = a.model.layers;
  layers.forEach((layer, i) => {
    const last = i === layers.length - 1;
    const outputs = last ? classes : (layer.weights.shape[1] ?? 0);
    expectShape(problems, `model.layers[${i}].weights`, layer.weights, [inputs, outputs]);
    expectShape(problems, `model.layers[${i}].bias`, layer.bias, [outputs]);
    inputs = outputs;
  });
  return problems;
}

/** The servable model of a validated, shape-checked artifact. */
export function modelFromArtifact(a: Artifact): TabularModel {
  const problems = shapeProblems(a);
  if (problems.length) throw new ArtifactError(a.name, problems);
  const features = a.input.features.length;
  const classes = a.output.classes.length;
  const weights: ModelWeights =
    a.model.type === 'lda'
      ? { type: 'lda', features, classes, coef: Float64Array.from(a.model.coef.data), intercept: Float64Array.from(a.model.intercept.data) }
      : {
          type: 'mlp',
          layers: a.model.layers.map((l) => {
            const [inputs, outputs] = l.weights.shape as [number, number];
            return { inputs, outputs, wt: toOutMajor(l.weights.data, inputs, outputs), bias: Float64Array.from(l.bias.data) };
          }),
        };
  return new TabularModel({
    name: a.name,
    featureNames: a.input.features,
    classes: a.output.classes,
    classNames: a.output.classNames,
    preprocessing: a.input.preprocessing,
    weights,
  });
}

/** The artifact's `model` section for in-memory weights. */
export function artifactModelFromWeights(w: ModelWeights): ArtifactModel {
  if (w.type === 'lda') {
    return {
      type: 'lda',
      coef: { shape: [w.classes, w.features], data: Array.from(w.coef) },
      intercept: { shape: [w.classes], data: Array.from(w.intercept) },
    };
  }
  return {
    type: 'mlp',
    hiddenActivation: 'relu',
    outputActivation: 'softmax',
    layers: w.layers.map((l) => ({
      weights: { shape: [l.inputs, l.outputs], data: Array.from(toInMajor(l.wt, l.inputs, l.outputs)) },
      bias: { shape: [l.outputs], data: Array.from(l.bias) },
    })),
  };
}
