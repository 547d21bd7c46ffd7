// ONNX copies of the shared models for tests, written the way the export command writes them (reference
// from tfjs-layers on the probe, embedded), in a temp folder beside a copy of the TF.js model and labels.
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readModelArtifacts } from '../../src/models/io.ts';
import { planExport } from '../../src/models/onnx/export.ts';
import { defaultProbe, type ProbeReference } from '../../src/models/onnx/fidelity.ts';
import { computeProbeReference } from '../../src/models/onnx/reference.ts';
import { scalingCoefficients, type ModelConfigFile } from '../../src/models/spec.ts';
import { modelsDir } from '../../../../test/support/paths.ts';

export interface SharedModel {
  name: 'mobilenet_v1_0.75_224' | 'darknet_tiny';
  /** What classify needs to be told about the TF.js model (MODEL_* variables). */
  overrides: ModelConfigFile;
}

export const SHARED_MODELS: readonly SharedModel[] = [
  { name: 'mobilenet_v1_0.75_224', overrides: {} },
  { name: 'darknet_tiny', overrides: { scaling: '0..1', output: 'logits' } },
];

export const tfjsUrl = (model: SharedModel): string => pathToFileURL(path.join(modelsDir, model.name, 'model.json')).href;

export interface OnnxCopy {
  dir: string;
  /** file:// URL of model.onnx */
  url: string;
  bytes: Uint8Array;
  reference: ProbeReference;
}

/**
 * `dir`/model.onnx (with `tamper` applied to the embedded reference, if given), labels.json and, with
 * `withTfjs`, the TF.js model.json and shards beside it.
 */
export async function writeOnnxCopy(
  model: SharedModel,
  dir: string,
  options: { withTfjs?: boolean; tamper?: (r: ProbeReference) => ProbeReference; noReference?: boolean } = {},
): Promise<OnnxCopy> {
  const source = path.join(modelsDir, model.name);
  const loaded = await readModelArtifacts({ kind: 'file', path: path.join(source, 'model.json') }, {});
  const plan = planExport(loaded.artifacts, loaded.kind);
  const { scale, offset } = scalingCoefficients(model.overrides.scaling ?? '-1..1');
  const size = plan.inputShape[0] as number;
  const reference = await computeProbeReference(loaded.artifacts, defaultProbe(size, [offset, 255 * scale + offset]), plan.output, {
    backend: 'wasm',
    model: { name: model.name },
  });
  const embedded = options.tamper ? options.tamper(reference) : reference;
  const bytes = plan.encode(options.noReference ? {} : { reference: embedded });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'model.onnx'), bytes);
  for (const f of await readdir(source)) {
    if (f === 'labels.json' || (options.withTfjs && (f === 'model.json' || f.startsWith('group')))) await copyFile(path.join(source, f), path.join(dir, f));
  }
  return { dir, url: pathToFileURL(path.join(dir, 'model.onnx')).href, bytes, reference };
}
