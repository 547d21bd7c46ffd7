// The built export-onnx command: reads a model from the real RGW (s3://, through core's locations),
// writes an .onnx whose embedded reference ONNX Runtime reproduces; bad usage and unmappable models
// are refused with a message and a distinct exit code.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithReference, probeInput, readProbeReference } from '../src/models/onnx/fidelity.ts';
import { modelsDir, repoRoot } from '../../../test/support/paths.ts';
import { awsEnvFor, rgwAccess, s3For, uniqueName } from '../../../test/support/rgw-clients.ts';

const functionDir = path.join(repoRoot, 'functions/classify');
const cli = path.join(functionDir, 'build/cli/export-onnx.js');
const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function exportOnnx(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let scratch: string;

beforeAll(async () => {
  if (!existsSync(path.join(functionDir, 'src/vendor/core/index.ts'))) throw new Error('src/vendor/core is missing: run `npm run build` (it vendors packages/core) first');
  await run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(functionDir, 'tsconfig.json')]);
  scratch = await mkdtemp(path.join(tmpdir(), 'export-onnx-'));
}, 300_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('export-onnx (built)', () => {
  it('exports a model read over S3 from RGW, with model.config.json deciding the probe range', async () => {
    const rgw = rgwAccess();
    const s3 = s3For(rgw);
    const bucket = uniqueName('models');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const dir = path.join(modelsDir, 'darknet_tiny');
    for (const file of await readdir(dir)) {
      if (file === 'model.json' || file.includes('shard')) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `darknet/${file}`, Body: await readFile(path.join(dir, file)) }));
    }
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'darknet/model.config.json', Body: JSON.stringify({ name: 'tiny', scaling: '0..1', output: 'logits' }) }));

    const out = path.join(scratch, 'nested/darknet.onnx');
    const result = await exportOnnx([`s3://${bucket}/darknet/model.json`, out], awsEnvFor(rgw));
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { bytes: number; output: string; classes: number; maxDifference: number; exportMs: number };
    expect(summary).toMatchObject({ output: 'logits', classes: 1000 });
    expect(summary.maxDifference).toBeLessThan(1e-3);

    const bytes = new Uint8Array(await readFile(out));
    expect(bytes.length).toBe(summary.bytes);
    const reference = readProbeReference(bytes)!;
    expect(reference.probe).toMatchObject({ size: 224, low: 0, high: 1 });
    expect(reference.model).toMatchObject({ name: 'tiny' });
    expect(reference.executor).toMatch(/^tfjs-layers .* \(cpu\)$/);
    const session = await ort.InferenceSession.create(bytes);
    try {
      const y = await session.run({ input: new ort.Tensor('float32', probeInput(reference.probe), [1, 224, 224, 3]) });
      expect(compareWithReference(reference, y.output!.data as Float32Array).ok).toBe(true);
    } finally {
      await session.release();
    }
  });

  it('bad usage exits 2 with the help; an unmappable model exits 1 naming the layer, and writes nothing', async () => {
    const usage = await exportOnnx([path.join(modelsDir, 'darknet_tiny/model.json')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Usage: export-onnx/);

    const json = JSON.parse(await readFile(path.join(modelsDir, 'darknet_tiny/model.json'), 'utf8')) as { modelTopology: { model_config: { config: { layers: { class_name: string; name: string }[] } } }; weightsManifest: { paths: string[] }[] };
    const pool = json.modelTopology.model_config.config.layers.find((l) => l.class_name === 'MaxPooling2D')!;
    pool.class_name = 'Cropping3D';
    const dir = path.join(scratch, 'broken');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    for (const p of json.weightsManifest.flatMap((g) => g.paths)) await writeFile(path.join(dir, p), await readFile(path.join(modelsDir, 'darknet_tiny', p)));
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    const out = path.join(scratch, 'broken.onnx');
    const refused = await exportOnnx([path.join(dir, 'model.json'), out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`layer ${pool.name} (Cropping3D)`);
    expect(existsSync(out)).toBe(false);
  });
});
