import type { CloudEvent } from 'cloudevents';
import { ArtifactError } from './artifact/convert.js';
import { loadModels } from './artifact/load.js';
import type { Config } from './config.js';
import { DatasetError, loadDataset } from './dataset/served-dataset.js';
import { handleEvent } from './protocols/cloudevent.js';
import { dispatch, parseQuery } from './protocols/router.js';
import { Served } from './served.js';
import { errorResponse, modelLocationDeps, type HttpResponse, type InvocationContext, type LocationDeps, type Logger } from './vendor/core/index.js';

/** The invocation context, with the path the URL router needs. */
export interface ScoreContext extends InvocationContext {
  /** The request's URL path without the query (core's requestPath); '/' when not given. */
  path?: string;
}

/** A start-up failure that must stop the function: bad models, bad dataset. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Loads and checks everything before the first request: models (schema, digest, shapes, reference
 * rows), names unique, the dataset and every model's features in it. Any problem throws StartupError.
 */
export async function startService(config: Config, log: Logger): Promise<Served> {
  const urls = [...config.MODEL_URL, ...(config.DATASET_URL ? [config.DATASET_URL] : [])];
  const deps: LocationDeps = urls.some((u) => u.startsWith('s3://')) ? modelLocationDeps(config) : {};
  let models;
  try {
    models = await loadModels(config.MODEL_URL, deps);
  } catch (error) {
    if (error instanceof ArtifactError) throw new StartupError('refusing to start: the models do not check out', error.problems);
    throw error;
  }
  if (config.DEFAULT_MODEL !== undefined && !models.some((m) => m.model.name === config.DEFAULT_MODEL)) {
    throw new StartupError('refusing to start', [`DEFAULT_MODEL "${config.DEFAULT_MODEL}" is not among the models (${models.map((m) => m.model.name).join(', ')})`]);
  }
  let dataset;
  if (config.DATASET_URL) {
    try {
      dataset = await loadDataset(config.DATASET_URL, config.DATASET_LABEL_COLUMN, models, deps);
    } catch (error) {
      if (error instanceof DatasetError) throw new StartupError('refusing to start: the dataset does not fit the models', [error.message]);
      throw error;
    }
  }
  for (const m of models) {
    log.info('model ready', {
      model: m.model.name,
      type: m.model.type,
      origin: m.artifact.training.origin,
      version: m.version,
      source: m.source,
      referenceRows: m.artifact.reference.rows.length,
    });
  }
  if (dataset) log.info('dataset ready', { source: dataset.source, rows: dataset.table.rows.length, labelled: dataset.labels !== undefined });
  return new Served(models, dataset, { defaultModel: config.DEFAULT_MODEL, maxRows: config.MAX_ROWS }, log);
}

/**
 * One invocation: a CloudEvent gets a CloudEvent back (on any path: a Trigger's subscriber URI may name
 * one), HTTP requests go to the URL router.
 */
export function invoke(served: Served, context: ScoreContext, body: unknown): HttpResponse | CloudEvent<unknown> {
  try {
    if (context.cloudevent) {
      const query = parseQuery(context.query ?? {});
      return handleEvent(context.cloudevent, query.model, served);
    }
    return dispatch({ method: context.method, path: context.path ?? '/', query: context.query ?? {}, contentType: context.contentType, headers: context.headers }, body, served);
  } catch (error) {
    // Anything unexpected is logged and answered as a retryable 500 without internals: never a crash.
    return errorResponse(error, served.log);
  }
}
