import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  formatLocation,
  loadConfig,
  modelLocationDeps,
  modelS3EnvSchema,
  parseJsonAt,
  parseLocation,
  readOptionalLocation,
  s3EnvSchema,
  siblingLocation,
  type LocationDeps,
} from '../vendor/core/index.js';
import { readModelArtifacts } from '../models/io.js';
import { compareWithReference, defaultProbe, probeInput, type ProbeReference } from '../models/onnx/fidelity.js';
import { ExportUnsupported, planExport } from '../models/onnx/export.js';
import { computeProbeReference } from '../models/onnx/reference.js';
import { nameFromUrl, parseModelConfigFile, versionFromBytes, type ModelConfigFile, type Scaling } from '../models/spec.js';

const HELP = `Usage: export-onnx <model.json> <out.onnx> [options]

Writes a TF.js layers or graph model as ONNX, with a fidelity reference (the TF.js executor's output on
a seeded probe input) in its metadata, and checks that ONNX Runtime reproduces that reference before writing.
<model.json>: a path, or a file://, http(s):// or s3:// URL (s3: AWS_* / MODEL_S3_* variables).

Options (default: model.config.json beside the model, then classify's defaults):
  --scaling -1..1|0..1|0..255   the model's input range, used for the probe input
  --name NAME, --version VERSION recorded with the reference
  --backend cpu|wasm             TF.js backend computing the reference (default cpu)`;

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const RANGES: Record<Scaling, [number, number]> = { '-1..1': [-1, 1], '0..1': [0, 1], '0..255': [0, 255] };

/** `npm run -w` runs in the function's folder; paths are meant from where the user typed them. */
function userPath(p: string): string {
  return path.resolve(process.env['INIT_CWD'] ?? process.cwd(), p);
}

async function main(argv: string[]): Promise<void> {
  const { values: opts, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scaling: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
      backend: { type: 'string', default: 'cpu' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const [source, target] = positionals;
  if (!source || !target || positionals.length > 2) throw new UsageError('expected <model.json> and <out.onnx>');
  if (opts.backend !== 'cpu' && opts.backend !== 'wasm') throw new UsageError(`--backend ${opts.backend}: use cpu or wasm`);
  if (opts.scaling !== undefined && !(opts.scaling in RANGES)) throw new UsageError(`--scaling ${opts.scaling}: use -1..1, 0..1 or 0..255`);

  const modelLoc = parseLocation(URL_LIKE.test(source) ? source : userPath(source));
  const deps: LocationDeps = modelLoc.kind === 's3' ? modelLocationDeps(loadConfig(s3EnvSchema.extend(modelS3EnvSchema.shape))) : {};
  const configLoc = siblingLocation(modelLoc, 'model.config.json');
  const [loaded, configBytes] = await Promise.all([readModelArtifacts(modelLoc, deps), readOptionalLocation(configLoc, deps)]);
  const fileConfig: ModelConfigFile = configBytes ? parseModelConfigFile(parseJsonAt(configBytes, configLoc), formatLocation(configLoc)) : {};

  const started = performance.now();
  const plan = planExport(loaded.artifacts, loaded.kind);
  const exportMs = performance.now() - started;
  const [height, width, channels] = plan.inputShape;
  if (height == null || height !== width || channels !== 3) throw new ExportUnsupported(`input [${plan.inputShape.join(', ')}]`, 'the probe needs a fixed square RGB input');

  const scaling = (opts.scaling as Scaling | undefined) ?? fileConfig.scaling ?? '-1..1';
  const model = { name: opts.name ?? fileConfig.name ?? nameFromUrl(source), version: opts.version ?? fileConfig.version ?? versionFromBytes(loaded.modelJsonBytes) };
  const referenceStarted = performance.now();
  const reference = await computeProbeReference(loaded.artifacts, defaultProbe(height, RANGES[scaling]), plan.output, { backend: opts.backend, model });
  const referenceMs = performance.now() - referenceStarted;
  const bytes = plan.encode({ reference });

  // Written only when ONNX Runtime reproduces the reference: a wrong file never reaches a bucket.
  const check = await checkWithOnnxRuntime(bytes, reference);
  if (!check.ok) throw new Error(`the exported model does not reproduce ${reference.executor}: ${check.reason}`);

  const out = userPath(target);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, bytes);
  const summary = {
    model: formatLocation(modelLoc),
    onnx: out,
    bytes: bytes.length,
    output: plan.output,
    classes: plan.outputShape.at(-1),
    exportMs: Math.round(exportMs),
    referenceMs: Math.round(referenceMs),
    reference: reference.executor,
    maxDifference: check.maxDifference,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

async function checkWithOnnxRuntime(bytes: Uint8Array, reference: ProbeReference): Promise<ReturnType<typeof compareWithReference>> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const { size } = reference.probe;
    const input = new ort.Tensor('float32', probeInput(reference.probe), [1, size, size, 3]);
    const result = await session.run({ [session.inputNames[0]!]: input });
    const output = result[session.outputNames[0]!];
    if (!output) throw new Error('ONNX Runtime returned no output');
    return compareWithReference(reference, output.data as Float32Array);
  } finally {
    await session.release();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(error instanceof UsageError ? `${message}\n\n${HELP}\n` : `export-onnx: ${message}\n`);
    // 2: bad usage (CLI convention); 1: the model could not be exported.
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
