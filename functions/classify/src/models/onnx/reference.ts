import type { io, Tensor } from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend.js';
import { probeInput, type ProbeReference, type ProbeSpec } from './fidelity.js';

/**
 * The reference executor's answer on the probe: tfjs-layers' (or for graph models tfjs-converter's) own
 * predict, on the cpu or wasm backend.
 * Only the ahead-of-time export command (and tests) load this module: it is what pulls TF.js in.
 */
export async function computeProbeReference(
  artifacts: io.ModelArtifacts,
  probe: ProbeSpec,
  output: ProbeReference['output'],
  options: { backend: 'cpu' | 'wasm'; model?: ProbeReference['model'] },
): Promise<ProbeReference> {
  const backend = await selectBackend(options.backend);
  const tf = await import('@tensorflow/tfjs-core');
  const topology = artifacts.modelTopology;
  const graph = artifacts.format === 'graph-model' || (topology !== undefined && !(topology instanceof ArrayBuffer) && 'node' in topology);
  const { model, executor } = graph ? await loadGraph(artifacts) : await loadLayers(artifacts);
  try {
    const values = tf.tidy(() => {
      const x = tf.tensor4d(probeInput(probe), [1, probe.size, probe.size, 3]);
      return (model.predict(x) as Tensor).dataSync() as Float32Array;
    });
    return { probe, output, values: Float32Array.from(values), executor: `${executor} (${backend})`, model: options.model };
  } finally {
    model.dispose();
  }
}

/** tfjs-layers for layers models, tfjs-converter for graph models: each format's own executor. */
async function loadLayers(artifacts: io.ModelArtifacts): Promise<{ model: Predictor; executor: string }> {
  const tf = await import('@tensorflow/tfjs-core');
  const { loadLayersModel, version_layers } = await import('@tensorflow/tfjs-layers');
  return { model: await loadLayersModel(tf.io.fromMemory(artifacts)), executor: `tfjs-layers ${version_layers}` };
}

async function loadGraph(artifacts: io.ModelArtifacts): Promise<{ model: Predictor; executor: string }> {
  const tf = await import('@tensorflow/tfjs-core');
  const { loadGraphModel, version_converter } = await import('@tensorflow/tfjs-converter');
  return { model: await loadGraphModel(tf.io.fromMemory(artifacts)), executor: `tfjs-converter ${version_converter}` };
}

interface Predictor {
  predict(x: Tensor): Tensor | Tensor[] | Record<string, Tensor>;
  dispose(): void;
}
