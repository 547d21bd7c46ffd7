// TF.js layers → ONNX export of both shared models: ONNX Runtime must reproduce tfjs-layers (the
// reference executor) on the embedded probe and on every shared photo, at batch 1 and batch 8.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../src/images/decode.ts';
import { readModelArtifacts, type LoadedArtifacts } from '../src/models/io.ts';
import { exportToOnnx, planExport, OUTPUT_METADATA_KEY } from '../src/models/onnx/export.ts';
import { compareWithReference, defaultProbe, FIDELITY_TOLERANCE, PROBE_METADATA_KEY, probeInput, readProbeReference, toProbabilities, type ProbeReference } from '../src/models/onnx/fidelity.ts';
import { readModelMetadata } from '../src/models/onnx/onnx-proto.ts';
import { readFields } from '../src/models/onnx/protobuf.ts';
import { computeProbeReference } from '../src/models/onnx/reference.ts';
import { scalingCoefficients, type Scaling } from '../src/models/spec.ts';
import { parseLocation } from '../src/vendor/core/index.ts';
import { imagesDir, modelsDir } from '../../../test/support/paths.ts';

const models: { name: string; scaling: Scaling; range: [number, number]; output: 'softmax' | 'logits' }[] = [
  { name: 'mobilenet_v1_0.75_224', scaling: '-1..1', range: [-1, 1], output: 'softmax' },
  { name: 'darknet_tiny', scaling: '0..1', range: [0, 1], output: 'logits' },
];
const SIZE = 224;

async function photoBatch(scaling: Scaling): Promise<{ names: string[]; input: Float32Array }> {
  const names = (await readdir(imagesDir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  const { scale, offset } = scalingCoefficients(scaling);
  const input = new Float32Array(names.length * SIZE * SIZE * 3);
  for (const [i, name] of names.entries()) {
    const { pixels } = await decodeImage(await readFile(path.join(imagesDir, name)), { size: SIZE, resize: 'center-crop', cropFraction: 0.875, maxPixels: 40_000_000 });
    for (let j = 0; j < pixels.length; j++) input[i * pixels.length + j] = (pixels[j] as number) * scale + offset;
  }
  return { names, input };
}

async function runOrt(session: ort.InferenceSession, input: Float32Array, n: number): Promise<Float32Array> {
  const out = await session.run({ input: new ort.Tensor('float32', input, [n, SIZE, SIZE, 3]) });
  expect(out.output?.dims).toEqual([n, 1000]);
  return out.output!.data as Float32Array;
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if ((p[i] as number) > (p[best] as number)) best = i;
  return best;
}

describe('TF.js layers → ONNX export', () => {
  beforeAll(async () => {
    // What computeProbeReference selects too: one backend for the whole file.
    tf.env().set('IS_TEST', true);
  });

  for (const m of models) {
    describe(m.name, () => {
      let loaded: LoadedArtifacts;
      let reference: ProbeReference;
      let bytes: Uint8Array;
      let session: ort.InferenceSession;
      let layers: LayersModel;

      beforeAll(async () => {
        loaded = await readModelArtifacts(parseLocation(path.join(modelsDir, m.name, 'model.json')), {});
        const plan = planExport(loaded.artifacts, loaded.kind);
        expect(plan.output).toBe(m.output);
        reference = await computeProbeReference(loaded.artifacts, defaultProbe(SIZE, m.range), plan.output, { backend: 'wasm', model: { name: m.name } });
        bytes = exportToOnnx(loaded.artifacts, loaded.kind, { reference });
        session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
        layers = await loadLayersModel(tf.io.fromMemory(loaded.artifacts));
      });
      afterAll(async () => {
        await session?.release();
        layers?.dispose();
      });

      it('ONNX Runtime reproduces the embedded probe reference', async () => {
        const embedded = readProbeReference(bytes);
        expect(embedded).toBeDefined();
        expect(embedded!.values).toEqual(reference.values);
        expect(embedded!.model).toEqual({ name: m.name });
        const result = compareWithReference(embedded!, await runOrt(session, probeInput(embedded!.probe), 1));
        console.log(`${m.name}: probe max |Δp| = ${result.maxDifference.toExponential(2)}`);
        expect(result.ok, result.reason).toBe(true);
      });

      it('gives tfjs-layers\' probabilities (≤ 1e-3) and top-1 on every shared photo, batched and one by one', async () => {
        const { names, input } = await photoBatch(m.scaling);
        expect(names.length).toBeGreaterThanOrEqual(7);
        const expected = tf.tidy(() => (layers.predict(tf.tensor4d(input, [names.length, SIZE, SIZE, 3])) as tf.Tensor).dataSync() as Float32Array);
        const batched = await runOrt(session, input, names.length);
        let worst = 0;
        for (const [i, name] of names.entries()) {
          const want = toProbabilities(expected.subarray(i * 1000, (i + 1) * 1000), m.output);
          const per = SIZE * SIZE * 3;
          const single = await runOrt(session, input.slice(i * per, (i + 1) * per), 1);
          for (const got of [toProbabilities(batched.subarray(i * 1000, (i + 1) * 1000), m.output), toProbabilities(single, m.output)]) {
            const diff = Math.max(...want.map((w, k) => Math.abs(w - (got[k] as number))));
            worst = Math.max(worst, diff);
            expect(diff, name).toBeLessThanOrEqual(FIDELITY_TOLERANCE);
            expect(argmax(got), name).toBe(argmax(want));
          }
        }
        console.log(`${m.name}: photos max |Δp| = ${worst.toExponential(2)} over ${names.length} photos`);
      });

      it('writes a ModelProto that decodes back: IR, opset, NHWC input with a symbolic batch, metadata', () => {
        const top = readFields(bytes);
        const varint = (field: number): bigint | undefined => top.find((f) => f.field === field && f.wire === 'varint')?.value as bigint | undefined;
        const message = (fields: typeof top, field: number): Uint8Array[] => fields.filter((f) => f.field === field && f.wire === 'bytes').map((f) => f.value as Uint8Array);
        const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
        expect(varint(1)).toBe(8n); // ir_version
        const opset = readFields(message(top, 8)[0]!);
        expect(opset.find((f) => f.field === 2)?.value).toBe(13n);
        const graph = readFields(message(top, 7)[0]!);
        const input = readFields(message(graph, 11)[0]!);
        expect(text(message(input, 1)[0])).toBe('input');
        // ValueInfoProto.type → TypeProto.tensor_type → shape → dims
        const tensorType = readFields(message(readFields(message(input, 2)[0]!), 1)[0]!);
        expect(tensorType.find((f) => f.field === 1)?.value).toBe(1n); // FLOAT
        const dims = message(readFields(message(tensorType, 2)[0]!), 1).map((d) => readFields(d)[0]!);
        expect(dims.map((d) => (d.wire === 'varint' ? Number(d.value) : text(d.value)))).toEqual(['batch', SIZE, SIZE, 3]);
        // Every conv carries explicit pads (none left to auto_pad) and the BatchNorms are folded away.
        const nodes = message(graph, 1).map((n) => readFields(n));
        const opTypes = nodes.map((n) => text(message(n, 4)[0]));
        expect(opTypes).not.toContain('BatchNormalization');
        expect(opTypes.filter((o) => o === 'Transpose')).toHaveLength(1);
        const metadata = readModelMetadata(bytes);
        expect(metadata[OUTPUT_METADATA_KEY]).toBe(m.output);
        expect(Object.keys(metadata)).toContain(PROBE_METADATA_KEY);
      });

      it('a reference that the model does not reproduce is reported, not accepted', () => {
        const shifted = Float32Array.from(reference.values);
        const top = argmax(shifted);
        // Move the reference's winner elsewhere: same output kind, different answer.
        [shifted[top], shifted[(top + 1) % 1000]] = [shifted[(top + 1) % 1000]!, shifted[top]!];
        const result = compareWithReference({ ...reference, values: shifted }, reference.values);
        expect(result.ok).toBe(false);
        expect(result.reason).toMatch(/top-1|differ/);
      });
    });
  }
});

describe('what loading the exporter and the fidelity check costs', () => {
  /** Runtime (not type-only) imports of a source file, followed through relative imports. */
  async function runtimeImports(file: string, seen = new Set<string>()): Promise<Set<string>> {
    if (seen.has(file)) return seen;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    for (const m of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
      const target = m[1]!;
      if (target.startsWith('.')) await runtimeImports(path.resolve(path.dirname(file), target.replace(/\.js$/, '.ts')), seen);
      else seen.add(target);
    }
    return seen;
  }

  it('export.ts and fidelity.ts import no TF.js (nor ONNX Runtime) at run time', async () => {
    const dir = path.resolve(import.meta.dirname, '../src/models/onnx');
    for (const entry of ['export.ts', 'fidelity.ts']) {
      const imports = [...(await runtimeImports(path.join(dir, entry)))];
      expect(imports.filter((i) => !i.startsWith('/'))).toEqual(expect.not.arrayContaining([expect.stringMatching(/tensorflow|onnxruntime/)]));
      expect(imports.some((i) => i.endsWith('reference.ts'))).toBe(false);
    }
  });
});
