import type { TfjsEngineName } from './engines/tfjs.js';

/** A TF.js backend by its TF_BACKEND name (tensorflow | wasm | cpu), or auto: the first that starts. */
export type TfjsBackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

const ENGINE: Record<Exclude<TfjsBackendChoice, 'auto'>, TfjsEngineName> = { tensorflow: 'tfjs-node', wasm: 'tfjs-wasm', cpu: 'tfjs-cpu' };

/**
 * Starts TF.js on the chosen backend for code that runs TF.js directly (the export command's reference
 * executor); inference engines are chosen by engines/select.ts. Returns the backend's TF.js name.
 */
export async function selectBackend(choice: TfjsBackendChoice): Promise<string> {
  const { startBackend } = await import('./engines/tfjs.js');
  const order = choice === 'auto' ? (['tensorflow', 'wasm', 'cpu'] as const) : [choice];
  const failures: string[] = [];
  for (const name of order) {
    try {
      await startBackend(ENGINE[name], { threads: 1 });
      return name;
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start (${failures.join('; ')})`);
}
