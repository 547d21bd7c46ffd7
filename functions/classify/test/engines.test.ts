// Inference engines and their selector: every engine gives the reference executor's top-1 on every
// shared photo with both shared models; TF_BACKEND's order and fallbacks; engines' packages are
// imported only when chosen (checked in a fresh Node process).
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../src/images/decode.ts';
import { ImageClassifier, type LoadOptions } from '../src/models/classifier.ts';
import { STARTUP_PARTS } from '../src/models/startup.ts';
import { createLogger } from '../src/vendor/core/index.ts';
import { imagesDir, repoRoot } from '../../../test/support/paths.ts';
import { SHARED_MODELS, tfjsUrl, writeOnnxCopy, type OnnxCopy, type SharedModel } from './support/onnx-models.ts';

const photos = (await readdir(imagesDir)).filter((f) => f.endsWith('.jpg')).sort();
let work: string;
/** 224×224 center crops of every photo (both shared models take the same input). */
const pixels = new Map<string, Uint8Array>();
/** Per model: the reference executor's (tfjs-layers, not fused) probabilities per photo. */
const reference = new Map<string, Map<string, Float32Array>>();
const onnx = new Map<string, OnnxCopy>();

const argmax = (p: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < p.length; i++) if ((p[i] as number) > (p[best] as number)) best = i;
  return best;
};

/** tfjs-node is optional (not a dependency): where it is installed, auto uses it before wasm. */
const tfjsNodeInstalled = ((): boolean => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

function captureLog(): { log: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { log: createLogger({}, { level: 'debug', sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }), lines };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'classify-engines-test-'));
  for (const photo of photos) {
    const image = await decodeImage(await readFile(path.join(imagesDir, photo)), { size: 224, resize: 'center-crop', cropFraction: 0.875, maxPixels: 4e7 });
    pixels.set(photo, image.pixels);
  }
  for (const model of SHARED_MODELS) {
    onnx.set(model.name, await writeOnnxCopy(model, path.join(work, model.name)));
    const stock = await ImageClassifier.load({ modelUrl: tfjsUrl(model), overrides: model.overrides }, {}, { backend: 'wasm', fuse: false });
    expect(stock.executor).toBe('layers');
    const byPhoto = new Map<string, Float32Array>();
    for (const photo of photos) byPhoto.set(photo, await stock.probabilities(pixels.get(photo)!));
    reference.set(model.name, byPhoto);
    await stock.dispose();
  }
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface EngineCase {
  label: string;
  source: (m: SharedModel) => { modelUrl: string; overrides: SharedModel['overrides'] };
  options: LoadOptions;
  engine: string;
  executor: string;
  fidelity: RegExp;
  /** Also check a batch of 8 against single images (not on pure-JS cpu: minutes on a busy machine). */
  batch: boolean;
  timeoutMs: number;
}

const CASES: EngineCase[] = [
  // A ready .onnx needs no MODEL_* variables: output kind and input range come from the export.
  { label: 'onnx, a ready .onnx', source: (m) => ({ modelUrl: onnx.get(m.name)!.url, overrides: {} }), options: { backend: 'onnx' }, engine: 'onnx', executor: 'onnx', fidelity: /embedded reference/, batch: true, timeoutMs: 120_000 },
  { label: 'onnx, exported at load', source: (m) => ({ modelUrl: tfjsUrl(m), overrides: m.overrides }), options: { backend: 'onnx' }, engine: 'onnx', executor: 'onnx', fidelity: /tfjs-layers .* \(wasm\)/, batch: true, timeoutMs: 120_000 },
  { label: 'tfjs-wasm', source: (m) => ({ modelUrl: tfjsUrl(m), overrides: m.overrides }), options: { backend: 'wasm' }, engine: 'tfjs-wasm', executor: 'fused', fidelity: /fused plan/, batch: true, timeoutMs: 120_000 },
  { label: 'tfjs-cpu', source: (m) => ({ modelUrl: tfjsUrl(m), overrides: m.overrides }), options: { backend: 'cpu' }, engine: 'tfjs-cpu', executor: 'fused', fidelity: /fused plan/, batch: false, timeoutMs: 600_000 },
];

describe('every engine reproduces the reference executor on every shared photo', () => {
  for (const model of SHARED_MODELS) {
    for (const c of CASES) {
      it(`${model.name} on ${c.label}: same top-1, probabilities within 1e-3${c.batch ? ', batch of 8 = one by one' : ''}`, async () => {
        const classifier = await ImageClassifier.load(c.source(model), {}, c.options);
        try {
          expect([classifier.engineName, classifier.executor]).toEqual([c.engine, c.executor]);
          expect(classifier.selection.fidelity).toMatch(c.fidelity);
          expect(classifier.spec).toMatchObject({ name: model.name, scaling: model.overrides.scaling ?? '-1..1', output: model.overrides.output ?? 'softmax' });
          const expected = reference.get(model.name)!;
          const got = new Map<string, number>();
          const singles: Float32Array[] = [];
          for (const photo of photos) {
            const p = await classifier.probabilities(pixels.get(photo)!);
            singles.push(p);
            got.set(photo, argmax(p));
            const want = expected.get(photo)!;
            expect(Math.max(...p.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThan(1e-3);
          }
          expect(Object.fromEntries(got)).toEqual(Object.fromEntries(photos.map((ph) => [ph, argmax(expected.get(ph)!)])));

          if (!c.batch) return;
          // one batch of 8 (the 7 photos and the first again) gives each image's own answer
          const batch = [...photos, photos[0]!];
          const size = classifier.spec.inputSize ** 2 * 3;
          const input = new Float32Array(batch.length * size);
          batch.forEach((ph, i) => classifier.scale(pixels.get(ph)!, input.subarray(i * size, (i + 1) * size)));
          const out = await classifier.engine.run(input, batch.length);
          expect(out.length).toBe(batch.length * classifier.engine.classes);
          batch.forEach((_, i) => {
            const row = out.subarray(i * 1000, (i + 1) * 1000);
            const single = singles[i % photos.length]!;
            expect(Math.max(...row.map((v, j) => Math.abs(v - single[j]!)))).toBeLessThan(1e-4);
          });
        } finally {
          await classifier.dispose();
        }
      }, c.timeoutMs);
    }
  }
});

describe('TF_BACKEND and the auto order', () => {
  const [mobilenet, darknet] = SHARED_MODELS as [SharedModel, SharedModel];

  it('auto on a ready .onnx: ONNX Runtime, nothing skipped, startup measured by part', async () => {
    const c = await ImageClassifier.load({ modelUrl: onnx.get(mobilenet.name)!.url, overrides: {} }, {}, { backend: 'auto' });
    try {
      expect(c.engineName).toBe('onnx');
      expect(c.selection.skipped).toEqual([]);
      expect(Object.keys(c.startup)).toEqual([...STARTUP_PARTS, 'totalMs']);
      expect(c.startup.sessionMs).toBeGreaterThan(0);
      expect(c.startup.warmupMs).toBeGreaterThan(0);
      expect(c.startup.prepareMs).toBe(0); // nothing to export
    } finally {
      await c.dispose();
    }
  });

  it('auto on a TF.js model.json: exported at load, checked against tfjs-layers, ONNX Runtime adopted', async () => {
    const c = await ImageClassifier.load({ modelUrl: tfjsUrl(darknet), overrides: darknet.overrides }, {}, { backend: 'auto' });
    try {
      expect(c.engineName).toBe('onnx');
      expect(c.selection.fidelity).toMatch(/tfjs-layers/);
      expect(c.startup.prepareMs).toBeGreaterThan(0);
      expect(c.startup.fidelityMs).toBeGreaterThan(0);
    } finally {
      await c.dispose();
    }
  });

  it('a .onnx whose embedded reference it does not reproduce: auto falls back to tfjs-wasm on the model.json beside it, saying why', async () => {
    // Another image's answer as the reference: the model is right, the reference is not (as if the file were swapped).
    const bad = await writeOnnxCopy(mobilenet, path.join(work, 'tampered'), { withTfjs: true, tamper: (r) => ({ ...r, values: Float32Array.from(r.values).reverse() }) });
    const { log, lines } = captureLog();
    const c = await ImageClassifier.load({ modelUrl: bad.url, overrides: {} }, {}, { backend: 'auto', log });
    try {
      expect([c.engineName, c.executor]).toEqual([tfjsNodeInstalled ? 'tfjs-node' : 'tfjs-wasm', 'fused']);
      expect(c.selection.skipped).toEqual([
        { engine: 'onnx', reason: expect.stringMatching(/does not reproduce the embedded reference/) },
        ...(tfjsNodeInstalled ? [] : [{ engine: 'tfjs-node', reason: expect.stringMatching(/@tensorflow\/tfjs-node/) }]),
      ]);
      const skipped = lines.filter((l) => l.msg === 'inference engine skipped');
      expect(skipped[0]).toMatchObject({ level: 'warn', engine: 'onnx', reason: expect.stringMatching(/probabilities differ|top-1/) });
      expect(skipped).toHaveLength(c.selection.skipped.length);
      const [top] = await c.classify(pixels.get('giraffe.jpg')!, 1);
      expect(top!.label).toMatch(/^zebra/);

      // forced, the same file is a startup error naming the engine and why
      await expect(ImageClassifier.load({ modelUrl: bad.url, overrides: {} }, {}, { backend: 'onnx' })).rejects.toThrow(/TF_BACKEND=onnx: the onnx engine cannot run .*tampered\/model\.onnx: does not reproduce the embedded reference/);
    } finally {
      await c.dispose();
    }
  }, 120_000);

  it('a failing .onnx with no TF.js model beside it: auto names every engine it tried and why', async () => {
    const bad = await writeOnnxCopy(darknet, path.join(work, 'tampered-alone'), { tamper: (r) => ({ ...r, values: r.values.map((v) => v + 5 * Math.sin(v)) }) });
    const error = await ImageClassifier.load({ modelUrl: bad.url, overrides: {} }, {}, { backend: 'auto' }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^no inference engine can run .*tampered-alone\/model\.onnx \(onnx: does not reproduce/);
    expect(error?.message).toMatch(/tfjs-wasm: MODEL_URL is an ONNX model and its TF\.js model \(model\.json beside it\) cannot be read: nothing at/);
  }, 120_000);

  it('an ONNX model without a reference (not ours) runs, marked unchecked', async () => {
    const plain = await writeOnnxCopy(darknet, path.join(work, 'no-reference'), { noReference: true });
    const c = await ImageClassifier.load({ modelUrl: plain.url, overrides: darknet.overrides }, {}, { backend: 'auto' });
    try {
      expect(c.engineName).toBe('onnx');
      expect(c.selection.fidelity).toMatch(/^unchecked/);
      // without the reference's metadata the name comes from the URL's folder
      expect(c.spec.name).toBe('no-reference');
    } finally {
      await c.dispose();
    }
  });

  it('a file that is not an ONNX model: a clear error naming it', async () => {
    const dir = path.join(work, 'not-onnx');
    await writeOnnxCopy(darknet, dir);
    await writeFile(path.join(dir, 'model.onnx'), '<html>404 Not Found</html>');
    await expect(ImageClassifier.load({ modelUrl: pathToFileURL(path.join(dir, 'model.onnx')).href, overrides: {} }, {}, { backend: 'onnx' })).rejects.toThrow(/not-onnx\/model\.onnx/);
  });

  it('TF_BACKEND=tensorflow: tfjs-node where it is installed, else a startup error saying it cannot be loaded', async () => {
    const loading = ImageClassifier.load({ modelUrl: tfjsUrl(darknet), overrides: darknet.overrides }, {}, { backend: 'tensorflow' });
    if (tfjsNodeInstalled) {
      const c = await loading;
      expect(c.engineName).toBe('tfjs-node');
      await c.dispose();
    } else {
      await expect(loading).rejects.toThrow(/TF_BACKEND=tensorflow: the tfjs-node engine cannot run .*darknet_tiny\/model\.json: .*tfjs-node/);
    }
  });

  it('labels that do not match the ONNX model outputs are refused', async () => {
    const dir = path.join(work, 'short-labels');
    const copy = await writeOnnxCopy(darknet, dir);
    const labels = JSON.parse(await readFile(path.join(dir, 'labels.json'), 'utf8')) as string[];
    await writeFile(path.join(dir, 'labels.json'), JSON.stringify(labels.slice(0, 10)));
    await expect(ImageClassifier.load({ modelUrl: copy.url, overrides: {} }, {}, { backend: 'auto' })).rejects.toThrow(/1000 outputs but its labels name 10 classes/);
  });
});

describe("an engine's packages are imported only when it is chosen (fresh Node process, built classify)", () => {
  /** Loads the model in a new process and lists the packages it imported (CommonJS module cache: TF.js and ORT are CJS). */
  function packagesLoaded(modelUrl: string, backend: string): { engine: string; packages: string[] } {
    const script = `
      import { createRequire } from 'node:module';
      const { ImageClassifier } = await import('./build/models/classifier.js');
      const c = await ImageClassifier.load({ modelUrl: ${JSON.stringify(modelUrl)}, overrides: ${JSON.stringify(SHARED_MODELS[1]!.overrides)} }, {}, { backend: ${JSON.stringify(backend)} });
      const cache = Object.keys(createRequire(import.meta.url).cache);
      const packages = [...new Set(cache.map((k) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(k)?.[1]).filter(Boolean))];
      process.stdout.write(JSON.stringify({ engine: c.engineName, packages }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.join(repoRoot, 'functions/classify'), encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`node exited ${run.status}: ${run.stderr}`);
    return JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { engine: string; packages: string[] };
  }

  it('a ready .onnx on auto: onnxruntime-node, and no TF.js package at all', () => {
    const { engine, packages } = packagesLoaded(onnx.get('darknet_tiny')!.url, 'auto');
    expect(engine).toBe('onnx');
    expect(packages).toContain('onnxruntime-node');
    expect(packages.filter((p) => p.startsWith('@tensorflow/'))).toEqual([]);
  });

  it('TF_BACKEND=wasm: TF.js core, layers and the wasm backend, no ONNX Runtime, no converter (layers models)', () => {
    const { engine, packages } = packagesLoaded(tfjsUrl(SHARED_MODELS[1]!), 'wasm');
    expect(engine).toBe('tfjs-wasm');
    expect(packages).toEqual(expect.arrayContaining(['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm']));
    expect(packages).not.toContain('onnxruntime-node');
    expect(packages).not.toContain('@tensorflow/tfjs-converter');
  });
});
