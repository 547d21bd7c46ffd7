import type { Logger } from '../../vendor/core/index.js';
import { compareWithReference, defaultProbe, probeInput, type ProbeReference } from '../onnx/fidelity.js';
import type { LoadedModel, TfjsModel } from '../source.js';
import { scalingCoefficients, type ModelSpec } from '../spec.js';
import { StartupClock } from '../startup.js';
import { engineFactory, type EngineName, type EngineOptions, type InferenceEngine, type PreparedModel } from './engine.js';

/** TF_BACKEND: `auto`, or one engine by its historical name. */
export type BackendChoice = 'auto' | 'onnx' | 'tensorflow' | 'wasm' | 'cpu';

const ENGINE_OF: Record<Exclude<BackendChoice, 'auto'>, EngineName> = { onnx: 'onnx', tensorflow: 'tfjs-node', wasm: 'tfjs-wasm', cpu: 'tfjs-cpu' };
/** Fastest first: ONNX Runtime, native TF (optional package), TF.js wasm, TF.js pure JS. */
export const AUTO_ORDER: readonly EngineName[] = ['onnx', 'tfjs-node', 'tfjs-wasm', 'tfjs-cpu'];

export interface SelectOptions extends EngineOptions {
  /** false keeps tfjs-layers' own execution instead of the fused plan (for comparison). */
  fuse?: boolean;
  log?: Logger;
  clock?: StartupClock;
}

export interface EngineSelection {
  engine: InferenceEngine;
  /** What the engine runs: hand it to createEngine() to make more engines (worker threads). */
  model: PreparedModel;
  /** How the engine was found faithful, for the ready log. */
  fidelity: string;
  /** Engines tried before it, and why each was not used. */
  skipped: { engine: EngineName; reason: string }[];
}

/** An engine that loads but does not reproduce the reference: not adopted. */
export class FidelityError extends Error {
  override readonly name = 'FidelityError';
}

/**
 * The engine TF_BACKEND asks for, or (auto) the fastest that loads and reproduces the reference executor
 * on the probe. A forced engine that cannot start is a startup error naming why.
 */
export async function selectEngine(choice: BackendChoice, loaded: LoadedModel, options: SelectOptions): Promise<EngineSelection> {
  const order = choice === 'auto' ? AUTO_ORDER : [ENGINE_OF[choice]];
  const clock = options.clock ?? new StartupClock();
  const attempt = new Attempt(loaded, options, clock);
  const skipped: EngineSelection['skipped'] = [];
  for (const name of order) {
    try {
      const selected = name === 'onnx' ? await attempt.onnx() : await attempt.tfjs(name);
      return { ...selected, skipped };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      if (choice !== 'auto') throw new Error(`TF_BACKEND=${choice}: the ${name} engine cannot run ${loaded.where}: ${reason}`, { cause: error });
      skipped.push({ engine: name, reason });
      options.log?.warn('inference engine skipped', { engine: name, reason });
    }
  }
  throw new Error(`no inference engine can run ${loaded.where} (${skipped.map((s) => `${s.engine}: ${s.reason}`).join('; ')})`);
}

/** One selection's attempts; shares what they read (the TF.js model beside a `.onnx`) between them. */
class Attempt {
  private tfjsModel: Promise<TfjsModel> | undefined;

  constructor(
    private readonly loaded: LoadedModel,
    private readonly options: SelectOptions,
    private readonly clock: StartupClock,
  ) {}

  async onnx(): Promise<Omit<EngineSelection, 'skipped'>> {
    const source = this.loaded.model;
    const bytes =
      source.format === 'onnx'
        ? source.bytes
        : await this.clock.time('prepareMs', async () => (await import('../onnx/export.js')).exportToOnnx(source.artifacts, source.kind));
    const model: PreparedModel = { format: 'onnx', bytes };
    const engine = await this.create('onnx', model);
    try {
      const fidelity = await this.clock.time('fidelityMs', () => (source.format === 'onnx' ? this.checkEmbedded(engine) : this.checkAgainstTfjs(engine, source)));
      return { engine, model, fidelity };
    } catch (error) {
      await engine.dispose();
      throw error;
    }
  }

  async tfjs(name: Exclude<EngineName, 'onnx'>): Promise<Omit<EngineSelection, 'skipped'>> {
    const model = this.loaded.model.format === 'tfjs' ? this.loaded.model : await this.tfjsBeside();
    const engine = await this.create(name, model);
    return { engine, model, fidelity: engine.executor === 'fused' ? 'fused plan reproduces tfjs-layers on a probe' : 'reference executor' };
  }

  private async create(name: EngineName, model: PreparedModel): Promise<InferenceEngine> {
    const factory = await this.clock.time('importMs', () => engineFactory(name, this.options));
    return this.clock.time('sessionMs', () => factory(model, this.loaded.spec, { threads: this.options.threads }));
  }

  private tfjsBeside(): Promise<TfjsModel> {
    const read = this.loaded.tfjsBeside;
    if (!read) throw new Error('no TF.js model to run');
    this.tfjsModel ??= this.clock.time('fetchMs', read).catch((error: unknown) => {
      throw new Error(`MODEL_URL is an ONNX model and its TF.js model (model.json beside it) cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    return this.tfjsModel;
  }

  /** A `.onnx` written by our export command carries the reference executor's answer on a probe. */
  private async checkEmbedded(engine: InferenceEngine): Promise<string> {
    const reference = this.loaded.reference;
    if (!reference) return 'unchecked: the ONNX model carries no reference (not exported by bucket-ml)';
    return verdict(reference, engine, this.loaded.spec, 'embedded reference');
  }

  /** Exported at load: the reference is the TF.js executor's own answer on the probe, computed now. */
  private async checkAgainstTfjs(engine: InferenceEngine, model: TfjsModel): Promise<string> {
    const { spec } = this.loaded;
    const { computeProbeReference } = await this.clock.time('importMs', () => import('../onnx/reference.js'));
    const failures: string[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      let reference: ProbeReference;
      try {
        reference = await computeProbeReference(model.artifacts, probeFor(spec), spec.output, { backend });
      } catch (error) {
        failures.push(`${backend}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        continue;
      }
      return verdict(reference, engine, spec, reference.executor);
    }
    throw new Error(`no TF.js reference executor could run to check the export (${failures.join('; ')})`);
  }
}

/** The probe spans the model's input range (spec.scaling applied to 0..255). */
function probeFor(spec: ModelSpec): ProbeReference['probe'] {
  const { scale, offset } = scalingCoefficients(spec.scaling);
  return defaultProbe(spec.inputSize, [offset, 255 * scale + offset]);
}

async function verdict(reference: ProbeReference, engine: InferenceEngine, spec: ModelSpec, against: string): Promise<string> {
  if (reference.probe.size !== spec.inputSize) throw new FidelityError(`the embedded reference is for ${reference.probe.size}×${reference.probe.size} input, the model spec says ${spec.inputSize}`);
  const result = compareWithReference(reference, await engine.run(probeInput(reference.probe), 1), 'probabilities');
  if (!result.ok) throw new FidelityError(`does not reproduce the ${against} on the probe: ${result.reason}`);
  return `matches the ${against} on the probe (max difference ${result.maxDifference.toExponential(1)})`;
}
