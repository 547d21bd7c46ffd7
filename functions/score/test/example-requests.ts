import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { functionDir } from './helpers.js';

/**
 * The example requests in events/ (what the README's curl lines and `func invoke` send), each with
 * its protocol's standard URL. Every body also works on `/`, where `func invoke` sends it. All of them
 * are row 23 of test.json, labelled 0 ("A").
 */
export const eventsDir = path.join(functionDir, 'events');

export const STANDARD_URL: Record<string, string> = {
  'open-inference-row-23.json': '/v2/models/mlp/infer',
  'seldon-row-23.json': '/api/v1.0/predictions',
  'seldon-jsondata-row-23.json': '/predict',
  'row-23.json': '/',
};

export const exampleFiles = (): string[] => readdirSync(eventsDir).filter((f) => f.endsWith('.json')).sort();
export const exampleBody = (file: string): Buffer => readFileSync(path.join(eventsDir, file));

/** The class index an answer gives for its one row, whatever the protocol. */
export function answeredClass(body: unknown): number {
  const b = body as {
    outputs?: { name: string; data: number[] }[];
    data?: { ndarray?: number[][]; tensor?: { values: number[] } };
    rows?: { predictions: Record<string, { class: number }> }[];
  };
  const argmax = (p: readonly number[]): number => p.indexOf(Math.max(...p));
  if (b.outputs) return b.outputs.find((o) => o.name === 'predict')!.data[0]!;
  if (b.data?.ndarray) return argmax(b.data.ndarray[0]!);
  if (b.data?.tensor) return argmax(b.data.tensor.values);
  if (b.rows) return Object.values(b.rows[0]!.predictions)[0]!.class;
  throw new Error(`not an answer of this function: ${JSON.stringify(body).slice(0, 200)}`);
}
