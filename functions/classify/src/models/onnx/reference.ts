import type { io } from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend.js';
import { probeInput, type ProbeReference, type ProbeSpec } from './fidelity.js';

/**
 * The reference executor's answer on the probe: tfjs-layers' own predict, on the cpu or wasm backend.
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
  const { loadLayersModel, version_layers } = await import('@tensorflow/tfjs-layers');
  const model = await loadLayersModel(tf.io.fromMemory(artifacts));
  try {
    const values = tf.tidy(() => {
      const x = tf.tensor4d(probeInput(probe), [1, probe.size, probe.size, 3]);
      return (model.predict(x) as import('@tensorflow/tfjs-core').Tensor).dataSync() as Float32Array;
    });
    return { probe, output, values: Float32Array.from(values), executor: `tfjs-layers ${version_layers} (${backend})`, model: options.model };
  } finally {
    model.dispose();
  }
}
