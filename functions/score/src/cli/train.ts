#!/usr/bin/env node
import { parseTable } from '../dataset/table.js';
import { SKLEARN_MLP_DEFAULTS } from '../models/mlp-train.js';
import { classNamesFor, defaultClassNames, labelledData, sha256 } from '../training/labelled-data.js';
import { trainModels, type ModelKind } from '../training/train-models.js';
import { TOOL } from '../version.js';
import { readInput, parseCommandLine, usage, writeArtifact } from './io.js';

const HELP = `usage: npm run train --workspace functions/score -- --data PATH --out DIR [options]

Trains LDA and the MLP on a CSV (or test.json-style JSON) and writes DIR/lda.json and DIR/mlp.json.
  --data PATH|URL        training data (local path, file://, http(s)://, s3://)
  --out DIR              where to write the artifacts (created if missing)
  --models LIST          lda,mlp (default both)
  --label-column NAME    integer class column (default "# Letter")
  --drop-columns LIST    columns that are not features (default "Line")
  --class-names SPEC     letters | values | A,B,C,... (default: letters for a "Letter" label 0..25)
  --seed N               MLP random_state (default 0)
  --max-iter N           MLP epochs at most (default 1000)
  --hidden N             MLP hidden units (default 500)
  --quiet                no per-epoch progress`;

const values = parseCommandLine({
  data: { type: 'string' },
  out: { type: 'string' },
  models: { type: 'string', default: 'lda,mlp' },
  'label-column': { type: 'string', default: '# Letter' },
  'drop-columns': { type: 'string', default: 'Line' },
  'class-names': { type: 'string' },
  seed: { type: 'string', default: String(SKLEARN_MLP_DEFAULTS.seed) },
  'max-iter': { type: 'string', default: String(SKLEARN_MLP_DEFAULTS.maxIter) },
  hidden: { type: 'string', default: String(SKLEARN_MLP_DEFAULTS.hidden) },
  quiet: { type: 'boolean', default: false },
}, HELP);

if (!values.data || !values.out) usage('--data and --out are required', HELP);

const kinds = values.models.split(',').map((s) => s.trim());
if (kinds.length === 0 || kinds.some((k) => k !== 'lda' && k !== 'mlp')) usage(`--models takes lda and/or mlp, got ${values.models}`, HELP);
const int = (name: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}`, HELP);
  return n;
};
const mlp = {
  ...SKLEARN_MLP_DEFAULTS,
  seed: int('seed', values.seed, 0),
  maxIter: int('max-iter', values['max-iter'], 1),
  hidden: int('hidden', values.hidden, 1),
};

try {
  const input = await readInput(values.data);
  const table = parseTable(new TextDecoder().decode(input.bytes));
  const labelColumn = values['label-column'].trim();
  const data = labelledData(table, labelColumn, values['drop-columns'].split(',').map((s) => s.trim()));
  const classNames = classNamesFor(data.classes, values['class-names'] ?? defaultClassNames(labelColumn, data.classes));
  process.stderr.write(`training on ${data.rows} rows × ${data.featureNames.length} features, ${data.classes.length} classes\n`);
  const trained = trainModels(data, {
    kinds: kinds as ModelKind[],
    classNames,
    data: { file: input.name, sha256: sha256(input.bytes), labelColumn },
    mlp,
    tool: TOOL,
    ...(values.quiet ? {} : { onEpoch: (epoch: number, loss: number) => {
      if (epoch % 50 === 0) process.stderr.write(`  mlp epoch ${epoch}: loss ${loss.toFixed(6)}\n`);
    } }),
  });
  const summary = [];
  for (const t of trained) {
    const file = await writeArtifact(values.out, t.artifact.name, t.artifact);
    summary.push({
      model: t.artifact.name,
      file,
      seconds: Number((t.durationMs / 1000).toFixed(2)),
      ...(t.artifact.training.epochs ? { epochs: t.artifact.training.epochs, loss: t.artifact.training.loss } : {}),
      digest: t.artifact.integrity.digest,
    });
  }
  process.stdout.write(JSON.stringify({ trained: summary }, null, 2) + '\n');
} catch (error) {
  process.stderr.write(`training failed: ${(error as Error).message}\n`);
  process.exit(1);
}
