import type { Served } from '../served.js';
import { serverMetadata } from './open-inference.js';

/**
 * What GET / answers: the OIP server metadata (name, version, extensions), the served models, the
 * default model, the dataset, and every URL the function serves with what it answers.
 */
export function describeService(served: Served, urls: Readonly<Record<string, string>>): Record<string, unknown> {
  return {
    ...serverMetadata(),
    models: served.models.map((m) => ({
      name: m.model.name,
      version: m.version,
      type: m.model.type,
      origin: m.artifact.training.origin,
      features: m.model.featureNames.length,
      classes: m.model.classes.length,
      source: m.source,
    })),
    default_model: served.options.defaultModel ?? (served.models.length === 1 ? served.models[0]!.model.name : null),
    dataset: served.dataset ? { source: served.dataset.source, rows: served.dataset.table.rows.length } : null,
    urls: { ...urls },
  };
}
