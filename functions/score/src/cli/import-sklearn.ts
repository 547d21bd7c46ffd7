#!/usr/bin/env node
import { buildArtifact, type ReferenceInput } from '../artifact/build.js';
import { sklearnArtifactInput, sklearnExportSchema, sklearnKind, sklearnPredictionsSchema } from '../artifact/sklearn.js';
import { numericColumns, parseTable } from '../dataset/table.js';
import { NumpyRandomState } from '../models/random.js';
import { spreadRows } from '../training/labelled-data.js';
import { readInput, parseCommandLine, usage, writeArtifact } from './io.js';

const HELP = `usage: npm run import-sklearn --workspace functions/score -- --in FILE --out DIR [options]

Converts a scikit-learn export (sklearn-lda.json, sklearn-mlp.json) into a model artifact DIR/<name>.json.
  --in FILE|URL          the sklearn-export/v1 file
  --out DIR              where to write the artifact
  --name NAME            served model name (default: lda or mlp)
  --data FILE            test rows (test.json or CSV) for reference rows, together with
  --predictions FILE     scikit-learn's outputs for them (sklearn-predictions.json): the reference rows then
                         carry scikit-learn's own probabilities, and the import fails unless they are reproduced
  --reference-rows N     how many reference rows (default 8)`;

const values = parseCommandLine({
  in: { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  data: { type: 'string' },
  predictions: { type: 'string' },
  'reference-rows': { type: 'string', default: '8' },
}, HELP);

if (!values.in || !values.out) usage('--in and --out are required', HELP);
if ((values.data === undefined) !== (values.predictions === undefined)) usage('--data and --predictions go together', HELP);
const count = Number(values['reference-rows']);
if (!Number.isInteger(count) || count < 1) usage('--reference-rows must be a positive integer', HELP);

const json = async (where: string): Promise<unknown> => JSON.parse(new TextDecoder().decode((await readInput(where)).bytes));

try {
  const parsed = sklearnExportSchema.safeParse(await json(values.in));
  if (!parsed.success) throw new Error(`not a sklearn-export/v1 file: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const exported = parsed.data;
  const kind = sklearnKind(exported);
  const base = sklearnArtifactInput(exported);
  const features = base.featureNames.length;
  let reference: { source: 'self' | 'sklearn'; tolerance?: number; rows: ReferenceInput[] };
  if (values.data && values.predictions) {
    const table = parseTable(new TextDecoder().decode((await readInput(values.data)).bytes));
    const preds = sklearnPredictionsSchema.parse(await json(values.predictions));
    const x = numericColumns(table, base.featureNames);
    const byId = new Map(table.ids.map((id, i) => [id, i]));
    const mine = preds[kind];
    reference = {
      source: 'sklearn',
      // scikit-learn's probabilities are stored rounded to 8 decimals.
      tolerance: 1e-6,
      rows: spreadRows(preds.keys.length, count).map((p) => {
        const id = preds.keys[p]!;
        const row = byId.get(id);
        const proba = mine.proba_norm[p];
        const label = mine.pred_norm[p];
        if (row === undefined || proba === undefined || label === undefined) throw new Error(`row ${id} of the predictions is missing from --data`);
        return { id, features: Array.from(x.subarray(row * features, row * features + features)), expected: { class: label, proba } };
      }),
    };
  } else {
    // No data to hand: seeded synthetic positive rows still pin the served outputs to these weights.
    const rng = new NumpyRandomState(0);
    reference = {
      source: 'self',
      rows: Array.from({ length: count }, (_, i) => ({ id: `synthetic-${i}`, features: Array.from(rng.uniform(0, 10, features)) })),
    };
  }
  const artifact = buildArtifact({ ...base, name: values.name ?? kind, reference });
  const file = await writeArtifact(values.out, artifact.name, artifact);
  process.stdout.write(JSON.stringify({ imported: { model: artifact.name, file, reference: reference.source, digest: artifact.integrity.digest } }, null, 2) + '\n');
} catch (error) {
  process.stderr.write(`import failed: ${(error as Error).message}\n`);
  process.exit(1);
}
