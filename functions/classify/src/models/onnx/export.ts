import type { io } from '@tensorflow/tfjs-core';
import { encodeProbeReference, PROBE_METADATA_KEY, type ProbeReference } from './fidelity.js';
import { parseKerasTopology } from './keras-topology.js';
import { translateGraph } from './graph-to-onnx.js';
import { translateLayers, INPUT_NAME, OUTPUT_NAME, type Translation } from './layers-to-onnx.js';
import { encodeModel } from './onnx-proto.js';
import { decodeWeights } from './weights.js';

export { ExportUnsupported } from './unsupported.js';

/**
 * TF.js models → ONNX, by our own translation of model.json and the weight bytes: no TF.js at run time
 * (its types only). The ONNX model takes `input` [N, H, W, 3] float32 (NHWC, as TF.js does, any N) and
 * gives `output` [N, classes]: what the TF.js model outputs (probabilities, or logits).
 */

/** ONNX IR 8 / opset 13: every op used here exists in this form there, and any ONNX Runtime since 1.10 runs it. */
const IR_VERSION = 8;
const OPSET = 13;
const PRODUCER = 'bucket-ml';
const PRODUCER_VERSION = '1';

/** Metadata keys written beside the probe reference. */
export const OUTPUT_METADATA_KEY = 'bucketml.output';
export const SOURCE_METADATA_KEY = 'bucketml.source';

export interface ExportOptions {
  /** The reference executor's answer on the probe, embedded for engines' fidelity check at load. */
  reference?: ProbeReference;
}

/** A translated model, ready to encode: what it outputs is known before a reference is computed. */
export interface OnnxExport {
  /** [height, width, channels] of the NHWC input (null: decided at run time). */
  inputShape: (number | null)[];
  /** Output shape without the batch, e.g. [1000]. */
  outputShape: (number | null)[];
  output: 'softmax' | 'logits';
  inputName: string;
  outputName: string;
  encode(options?: ExportOptions): Uint8Array;
}

/** TF.js layers (or graph) artifacts → ONNX model bytes; throws ExportUnsupported naming the first op/layer it cannot map. */
export function exportToOnnx(artifacts: io.ModelArtifacts, kind: 'layers' | 'graph', options?: ExportOptions): Uint8Array {
  return planExport(artifacts, kind).encode(options);
}

/** Translates once; the ahead-of-time command reads `output` to compute the reference, then encodes. */
export function planExport(artifacts: io.ModelArtifacts, kind: 'layers' | 'graph'): OnnxExport {
  if (!artifacts.modelTopology || artifacts.modelTopology instanceof ArrayBuffer) throw new Error('the artifacts carry no JSON model topology');
  const weights = decodeWeights(artifacts.weightSpecs ?? [], artifacts.weightData);
  const t: Translation = kind === 'graph' ? translateGraph(artifacts.modelTopology, weights) : translateLayers(parseKerasTopology(artifacts.modelTopology), weights);
  return {
    inputShape: t.inputShape,
    outputShape: t.outputShape,
    output: t.output,
    inputName: INPUT_NAME,
    outputName: OUTPUT_NAME,
    encode(options = {}) {
      const metadata: Record<string, string> = {
        [OUTPUT_METADATA_KEY]: t.output,
        [SOURCE_METADATA_KEY]: `tfjs ${kind} model${artifacts.generatedBy ? ` (${artifacts.generatedBy})` : ''}`,
      };
      if (options.reference) {
        if (options.reference.output !== t.output) throw new Error(`the reference says the model outputs ${options.reference.output}, its graph ends in ${t.output}`);
        metadata[PROBE_METADATA_KEY] = encodeProbeReference(options.reference);
      }
      return encodeModel({
        irVersion: IR_VERSION,
        opsetVersion: OPSET,
        producerName: PRODUCER,
        producerVersion: PRODUCER_VERSION,
        docString: 'Exported from a TensorFlow.js layers model by bucket-ml (functions/classify/src/models/onnx). Input NHWC float32, already scaled.',
        graph: t.graph,
        metadata,
      });
    },
  };
}

