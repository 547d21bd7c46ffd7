import type { LoadedModel } from './artifact/load.js';
import type { ServedDataset } from './dataset/served-dataset.js';
import { FunctionError, type Logger } from './vendor/core/index.js';

/** What a running score function serves: the verified models, and optionally a dataset. */
export class Served {
  readonly byName: Map<string, LoadedModel>;
  /** Accuracy per model on the dataset, computed on first request (both are immutable). */
  scoreCache: Record<string, number> | undefined;

  constructor(
    readonly models: readonly LoadedModel[],
    readonly dataset: ServedDataset | undefined,
    readonly options: { defaultModel: string | undefined; maxRows: number },
    readonly log: Logger,
  ) {
    this.byName = new Map(models.map((m) => [m.model.name, m]));
  }

  get names(): string[] {
    return this.models.map((m) => m.model.name);
  }

  /** The model named by the request, or the default one (DEFAULT_MODEL, or the only one served). */
  one(requested: string | undefined): LoadedModel {
    if (requested !== undefined) return this.named(requested);
    const name = this.options.defaultModel ?? (this.models.length === 1 ? this.models[0]!.model.name : undefined);
    if (name === undefined) {
      throw new FunctionError(400, 'model_required', `several models are served (${this.names.join(', ')}): choose one with ?model=NAME`);
    }
    return this.named(name);
  }

  /** The named model, or all of them when none is named (operations that answer per model). */
  some(requested: string | undefined): LoadedModel[] {
    return requested === undefined ? [...this.models] : [this.named(requested)];
  }

  named(name: string): LoadedModel {
    const m = this.byName.get(name);
    if (!m) throw new FunctionError(404, 'unknown_model', `no model named "${name}" (served: ${this.names.join(', ')})`);
    return m;
  }

  checkRows(rows: number): void {
    if (rows === 0) throw new FunctionError(400, 'no_rows', 'the request holds no rows');
    if (rows > this.options.maxRows) {
      throw new FunctionError(413, 'too_many_rows', `${rows} rows in one request; at most ${this.options.maxRows} (MAX_ROWS)`);
    }
  }
}
