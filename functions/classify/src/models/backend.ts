import * as tf from '@tensorflow/tfjs-core';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/**
 * tfjs-node (native libtensorflow) is fastest but optional: its install downloads a binary that is
 * not always reachable. wasm (SIMD) is the portable default; cpu is the pure-JS last resort.
 */
export async function selectBackend(choice: BackendChoice): Promise<string> {
  const order: Exclude<BackendChoice, 'auto'>[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  const failures: string[] = [];
  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        // Optional dependency: not in package.json; present only where it could be installed.
        const moduleName = '@tensorflow/tfjs-node';
        await import(moduleName);
      } else if (name === 'wasm') {
        await import('@tensorflow/tfjs-backend-wasm');
      } else {
        await import('@tensorflow/tfjs-backend-cpu');
      }
      if (await tf.setBackend(name)) {
        await tf.ready();
        return tf.getBackend();
      }
      failures.push(`${name}: did not initialise`);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start (${failures.join('; ')})`);
}
