/**
 * What every function reports once it is ready: how long the cold start and the model load took, and
 * which model it serves (an info metric, value 1, the facts in labels, as Prometheus conventions have it).
 */
import { gauge } from './registry.js';

const coldStart = gauge({
  name: 'bucketml_cold_start_duration_seconds',
  help: 'Process start to ready (configuration, model load, warm-up), in seconds',
  labelNames: ['function'],
});
const modelLoad = gauge({
  name: 'bucketml_model_load_duration_seconds',
  help: 'Time the function took to load its model(s) at start-up, in seconds',
  labelNames: ['function'],
});
const modelInfo = gauge({
  name: 'bucketml_model_info',
  help: 'The model a function serves (value 1): name, version and the backend that runs it',
  labelNames: ['function', 'model', 'version', 'backend'],
});

/** Start-up figures as the function lifecycle reports them (ms); the part named `model` is the model load. */
export interface StartupFigures {
  function: string;
  /** Process start to ready, ms (performance.now() when ready: its origin is the process start). */
  sinceProcessStartMs: number;
  modelLoadMs?: number;
}

export function recordStartup(figures: StartupFigures): void {
  coldStart.set({ function: figures.function }, figures.sinceProcessStartMs / 1000);
  if (figures.modelLoadMs !== undefined) modelLoad.set({ function: figures.function }, figures.modelLoadMs / 1000);
}

export interface ServedModel {
  model: string;
  version: string;
  backend: string;
}

/** One series per model served; replaces what the function reported before (a reload serves others). */
export function recordModelInfo(fn: string, models: readonly ServedModel[]): void {
  modelInfo.reset();
  for (const m of models) modelInfo.set({ function: fn, model: m.model, version: m.version, backend: m.backend }, 1);
}
