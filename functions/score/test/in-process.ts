import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudEvent } from 'cloudevents';
import { readConfig } from '../src/config.js';
import type { Served } from '../src/served.js';
import { invoke, startService, type ScoreContext } from '../src/service.js';
import { createLogger, type HttpResponse } from '../src/vendor/core/index.js';
import { importedArtifact } from './helpers.js';

/**
 * The function in process, served from scikit-learn's weights (so answers can be checked against
 * scikit-learn's own outputs): lda.json and mlp.json in a scratch folder, and a request helper.
 */
export const quiet = createLogger({}, { sink: () => {} });

export interface SklearnModels {
  dir: string;
  start(env: Record<string, string>): Promise<Served>;
  remove(): Promise<void>;
}

export async function sklearnModels(): Promise<SklearnModels> {
  const dir = await mkdtemp(path.join(tmpdir(), 'score-models-'));
  await writeFile(path.join(dir, 'lda.json'), JSON.stringify(importedArtifact('lda')));
  await writeFile(path.join(dir, 'mlp.json'), JSON.stringify(importedArtifact('mlp')));
  return {
    dir,
    start: (env) => startService(readConfig({ MODEL_URL: `file://${dir}/`, ...env }), quiet),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** One HTTP request to the function (never a CloudEvent). */
export function call(s: Served, context: Partial<ScoreContext>, body?: unknown): HttpResponse {
  const res = invoke(s, { method: 'POST', query: {}, ...context }, body);
  if (res instanceof CloudEvent) throw new Error('unexpected CloudEvent');
  return res;
}

/** A request by method and URL (path and query), JSON body. */
export function request(s: Served, method: string, url: string, body?: unknown): HttpResponse {
  const u = new URL(url, 'http://score.test');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of u.searchParams) {
    const seen = query[k];
    query[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v];
  }
  return call(s, { method, path: u.pathname, query, contentType: 'application/json' }, body);
}

// Tests walk deep into response bodies whose shapes the assertions themselves check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = any;
export const json = (r: HttpResponse): Body => r.body as Body;
