// The install prune's rules (install/prune-plan.mjs) on package layouts written out here: what they
// remove, and that a layout they were not written for is left whole. The real install is pruned and run
// in test/standalone-classify.test.ts.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

interface PackageView {
  json: Record<string, unknown>;
  files: string[];
  read(file: string): string;
}
type Decision = { remove: string[] } | { skip: string };
interface PrunePlan {
  packageRules: Record<string, { why: string; decide(pkg: PackageView, target: { platform: string; arch: string }): Decision }>;
  isSourceMap(file: string): boolean;
}

// plain JavaScript (it runs before tsc, in production installs): imported by URL, typed here
const planUrl = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), '../install/prune-plan.mjs')).href;
const { packageRules, isSourceMap } = (await import(planUrl)) as PrunePlan;
const linuxX64 = { platform: 'linux', arch: 'x64' };

const ORT_BINDING = 'exports.binding = require(`../bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`);';
const ortFiles = ['package.json', 'dist/index.js', 'dist/binding.js', 'bin/napi-v6/linux/x64/onnxruntime_binding.node', 'bin/napi-v6/linux/x64/libonnxruntime.so.1', 'bin/napi-v6/linux/arm64/onnxruntime_binding.node', 'bin/napi-v6/darwin/arm64/libonnxruntime.1.dylib', 'bin/napi-v6/win32/x64/DirectML.dll'];
const ort = (files = ortFiles, binding = ORT_BINDING): PackageView => ({ json: { main: 'dist/index.js' }, files, read: (f) => (f === 'dist/binding.js' ? binding : '') });

const tfFiles = ['package.json', 'README.md', 'dist/tf-backend-wasm.node.js', 'dist/tf-backend-wasm.min.js', 'dist/tf-backend-wasm.node.js.map', 'dist/index.js', 'dist/index.d.ts', 'dist/kernels/Add.js', 'dist/kernels/Add.d.ts', 'dist/tfjs-backend-wasm-simd.wasm', 'dist/tfjs-backend-wasm.wasm', 'dist/miniprogram/index.js', 'wasm-out/tfjs-backend-wasm.wasm', 'wasm-out/tfjs-backend-wasm.js'];
const tf = (json: Record<string, unknown> = { main: 'dist/tf-backend-wasm.node.js' }): PackageView => ({ json, files: tfFiles, read: () => '' });

describe('install prune rules', () => {
  it("onnxruntime-node: removes every other platform's binaries, keeps the target's", () => {
    const d = packageRules['onnxruntime-node']!.decide(ort(), linuxX64);
    expect(d).toEqual({ remove: ['bin/napi-v6/linux/arm64/onnxruntime_binding.node', 'bin/napi-v6/darwin/arm64/libonnxruntime.1.dylib', 'bin/napi-v6/win32/x64/DirectML.dll'] });
  });

  it('onnxruntime-node: keeps what npm installs for (--os/--cpu), not this machine', () => {
    const d = packageRules['onnxruntime-node']!.decide(ort(), { platform: 'linux', arch: 'arm64' });
    expect('remove' in d && d.remove).toEqual(['bin/napi-v6/linux/x64/onnxruntime_binding.node', 'bin/napi-v6/linux/x64/libonnxruntime.so.1', 'bin/napi-v6/darwin/arm64/libonnxruntime.1.dylib', 'bin/napi-v6/win32/x64/DirectML.dll']);
  });

  it("onnxruntime-node: left whole when the target's binding is missing or the loader changed", () => {
    expect(packageRules['onnxruntime-node']!.decide(ort(), { platform: 'linux', arch: 'riscv64' })).toHaveProperty('skip');
    expect(packageRules['onnxruntime-node']!.decide(ort(ortFiles, 'require(`../bin/napi-v7/${process.platform}`)'), linuxX64)).toHaveProperty('skip');
  });

  it("TF.js: removes browser, bundler and mini-program builds; keeps main, types, the wasm binaries beside it", () => {
    const d = packageRules['@tensorflow/tfjs-backend-wasm']!.decide(tf(), linuxX64);
    expect('remove' in d && [...d.remove].sort()).toEqual(['dist/index.js', 'dist/kernels/Add.js', 'dist/miniprogram/index.js', 'dist/tf-backend-wasm.min.js', 'dist/tf-backend-wasm.node.js.map', 'wasm-out/tfjs-backend-wasm.js', 'wasm-out/tfjs-backend-wasm.wasm']);
  });

  it('TF.js: left whole with an exports map (Node might load other files) or a main that is not a Node bundle', () => {
    expect(packageRules['@tensorflow/tfjs-core']!.decide(tf({ main: 'dist/tf-backend-wasm.node.js', exports: { '.': './dist/index.js' } }), linuxX64)).toHaveProperty('skip');
    expect(packageRules['@tensorflow/tfjs-core']!.decide(tf({ main: 'dist/index.js' }), linuxX64)).toHaveProperty('skip');
    expect(packageRules['@tensorflow/tfjs-core']!.decide(tf({ main: 'dist/tf-core.node.js' }), linuxX64)).toHaveProperty('skip');
  });

  it('source maps: JavaScript and declaration maps only', () => {
    expect(['a.js.map', 'b.mjs.map', 'c.cjs.map', 'd.d.ts.map'].every(isSourceMap)).toBe(true);
    expect(['a.js', 'sourcemap.json', 'e.css.map', 'map'].some(isSourceMap)).toBe(false);
  });
});
