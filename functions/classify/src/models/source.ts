import {
  formatLocation,
  parseJsonAt,
  parseLocation,
  readJsonLocation,
  readLocation,
  readOptionalLocation,
  siblingLocation,
  type Location,
  type LocationDeps,
} from '../vendor/core/index.js';
import type { PreparedModel } from './engines/engine.js';
import { OUTPUT_METADATA_KEY } from './onnx/export.js';
import { readProbeReference, type ProbeReference } from './onnx/fidelity.js';
import { readModelMetadata } from './onnx/onnx-proto.js';
import { inputSizeFromTopology, readModelArtifacts } from './io.js';
import { onnxInputSize } from './onnx-input.js';
import { labelsSchema, nameFromUrl, parseModelConfigFile, scalingCoefficients, versionFromBytes, type ModelConfigFile, type ModelSpec, type Scaling } from './spec.js';

/** Where the model is and what the MODEL_* variables say about it. */
export interface ModelSource {
  /** A TF.js model.json, or an ONNX model (`….onnx`). */
  modelUrl: string;
  configUrl?: string | undefined;
  labelsUrl?: string | undefined;
  /** MODEL_* variables; they win over model.config.json. */
  overrides: ModelConfigFile;
}

export type TfjsModel = Extract<PreparedModel, { format: 'tfjs' }>;

/** A model as read, with its spec resolved: what the engine selector starts from. No TF.js or ONNX Runtime needed. */
export interface LoadedModel {
  spec: ModelSpec;
  model: PreparedModel;
  /** MODEL_URL as a readable string, for messages. */
  where: string;
  /** The fidelity reference embedded in an ONNX model by our export command, if any. */
  reference?: ProbeReference | undefined;
  /** The TF.js model a `.onnx` sits beside (model.json): read only when ONNX cannot be used. */
  tfjsBeside?: () => Promise<TfjsModel>;
}

const CONFIG_FILE = 'model.config.json';
const DEFAULT_LABELS = 'labels.json';
const TFJS_MODEL_FILE = 'model.json';

const SCALINGS: readonly Scaling[] = ['-1..1', '0..1', '0..255'];

export const isOnnxUrl = (url: string): boolean => /\.onnx([?#].*)?$/i.test(url);

/** Reads the model, its config and labels concurrently and resolves the spec (MODEL_* > model.config.json > the model > defaults). */
export async function readModelSource(source: ModelSource, deps: LocationDeps): Promise<LoadedModel> {
  const modelLoc = parseLocation(source.modelUrl);
  const configLoc = source.configUrl ? parseLocation(source.configUrl) : siblingLocation(modelLoc, CONFIG_FILE);
  const onnx = isOnnxUrl(source.modelUrl);
  const [model, configBytes] = await Promise.all([
    onnx ? readLocation(modelLoc, deps) : readModelArtifacts(modelLoc, deps),
    // A named config file must exist; the default one beside the model is optional.
    source.configUrl ? readJsonLocation(configLoc, deps) : readOptionalLocation(configLoc, deps),
  ]);
  const fileConfig =
    configBytes === undefined
      ? {}
      : parseModelConfigFile(configBytes instanceof Uint8Array ? parseJsonAt(configBytes, configLoc) : configBytes, formatLocation(configLoc));
  const config: ModelConfigFile = { ...fileConfig, ...stripUndefined(source.overrides) };

  const labelsRef = source.labelsUrl ?? config.labels ?? DEFAULT_LABELS;
  const labelsLoc = /^[a-z][a-z0-9+.-]*:\/\//i.test(labelsRef) || labelsRef.startsWith('/') ? parseLocation(labelsRef) : siblingLocation(modelLoc, labelsRef);
  const labels = labelsSchema.safeParse(await readJsonLocation(labelsLoc, deps));
  if (!labels.success) throw new Error(`${formatLocation(labelsLoc)} is not a label list (a JSON array of names)`);

  const where = formatLocation(modelLoc);
  const common = {
    name: config.name ?? nameFromUrl(source.modelUrl),
    resize: config.resize ?? 'center-crop',
    cropFraction: config.cropFraction ?? 0.875,
    labels: labels.data,
  } as const;

  if (model instanceof Uint8Array) {
    const { reference, output } = onnxMetadata(model, where);
    const spec: ModelSpec = {
      ...common,
      // The export command records the TF.js model's name, version and input range: results keep their keys across the switch.
      name: config.name ?? reference?.model?.name ?? common.name,
      scaling: config.scaling ?? scalingOfProbe(reference) ?? '-1..1',
      version: config.version ?? reference?.model?.version ?? versionFromBytes(model),
      inputSize: config.inputSize ?? onnxInputSize(model) ?? 224,
      output: config.output ?? output ?? 'softmax',
    };
    return { spec, model: { format: 'onnx', bytes: model }, where, reference, tfjsBeside: () => readTfjsBeside(modelLoc, deps) };
  }
  const spec: ModelSpec = {
    ...common,
    scaling: config.scaling ?? '-1..1',
    version: config.version ?? versionFromBytes(model.modelJsonBytes),
    inputSize: config.inputSize ?? inputSizeFromTopology(model.artifacts.modelTopology) ?? 224,
    output: config.output ?? 'softmax',
  };
  return { spec, model: { format: 'tfjs', kind: model.kind, artifacts: model.artifacts }, where };
}

function onnxMetadata(bytes: Uint8Array, where: string): { reference: ProbeReference | undefined; output: 'softmax' | 'logits' | undefined } {
  try {
    const output = readModelMetadata(bytes)[OUTPUT_METADATA_KEY];
    return { reference: readProbeReference(bytes), output: output === 'softmax' || output === 'logits' ? output : undefined };
  } catch (error) {
    throw new Error(`${where} is not an ONNX model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The export command probes the model over its input range: that range is the model's scaling. */
function scalingOfProbe(reference: ProbeReference | undefined): Scaling | undefined {
  if (!reference) return undefined;
  const { low, high } = reference.probe;
  return SCALINGS.find((s) => {
    const { scale, offset } = scalingCoefficients(s);
    return Math.abs(low - offset) < 1e-6 && Math.abs(high - (255 * scale + offset)) < 1e-6;
  });
}

async function readTfjsBeside(onnxLoc: Location, deps: LocationDeps): Promise<TfjsModel> {
  const loaded = await readModelArtifacts(siblingLocation(onnxLoc, TFJS_MODEL_FILE), deps);
  return { format: 'tfjs', kind: loaded.kind, artifacts: loaded.artifacts };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
