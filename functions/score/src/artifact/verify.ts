import type { TabularModel } from '../models/model.js';
import { weightsDigest } from './integrity.js';
import type { Artifact } from './schema.js';

/**
 * Everything that must hold before a model is served: the weights hash to the recorded digest, and
 * the reference rows, pushed through the recorded preprocessing and this implementation's inference,
 * give the recorded class and probabilities. A model that fails either would answer differently from
 * the one that was trained, so the server refuses to start rather than serve it.
 */
export function verificationProblems(artifact: Artifact, model: TabularModel): string[] {
  const problems: string[] = [];
  const digest = weightsDigest(artifact.model);
  if (digest !== artifact.integrity.digest) {
    problems.push(`weights digest ${digest} does not match integrity.digest ${artifact.integrity.digest} (file altered or truncated)`);
  }
  const features = artifact.input.features.length;
  const classes = artifact.output.classes.length;
  const { rows, tolerance } = artifact.reference;
  rows.forEach((row, i) => {
    const label = row.id ?? String(i);
    if (row.features.length !== features) problems.push(`reference row ${label} has ${row.features.length} features, expected ${features}`);
    if (row.expected.proba.length !== classes) problems.push(`reference row ${label} has ${row.expected.proba.length} probabilities, expected ${classes}`);
  });
  if (problems.length) return problems;

  const raw = Float64Array.from(rows.flatMap((r) => r.features));
  const { proba, index } = model.run(raw, rows.length);
  rows.forEach((row, r) => {
    const label = row.id ?? String(r);
    const got = model.classes[index[r]!];
    if (got !== row.expected.class) problems.push(`reference row ${label}: predicted class ${got}, expected ${row.expected.class}`);
    let worst = 0;
    row.expected.proba.forEach((p, c) => {
      worst = Math.max(worst, Math.abs(proba[r * classes + c]! - p));
    });
    if (!(worst <= tolerance)) problems.push(`reference row ${label}: probabilities differ by ${worst.toExponential(2)} (> ${tolerance})`);
  });
  return problems;
}
