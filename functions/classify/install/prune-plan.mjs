// @ts-check
// What the install prune removes: pure rules over a package's file list, no I/O. Each rule names the
// package layout it was written for and leaves the package whole when the installed one differs, so a
// dependency update can make the image larger but never break it.

/** @typedef {{ platform: string, arch: string }} Target  the platform the image runs on */
/**
 * @typedef {object} PackageView  one installed package, as the rules see it
 * @property {Record<string, unknown>} json  its package.json
 * @property {string[]} files  its files, relative to its directory ('/'-separated), nested node_modules excluded
 * @property {(file: string) => string} read  a file's text
 */
/** @typedef {{ remove: string[] } | { skip: string }} Decision  files to remove, or why the package is left whole */
/** @typedef {{ why: string, decide(pkg: PackageView, target: Target): Decision }} Rule */

/**
 * onnxruntime-node ships every platform's native binding (288 MiB); dist/binding.js loads only
 * `bin/napi-v6/<process.platform>/<process.arch>/`.
 * @type {Rule}
 */
const onnxRuntimeOtherPlatforms = {
  why: "other platforms' ONNX Runtime binaries",
  decide(pkg, target) {
    const keep = `bin/napi-v6/${target.platform}/${target.arch}/`;
    if (!pkg.files.includes(`${keep}onnxruntime_binding.node`)) return { skip: `no ${keep}onnxruntime_binding.node` };
    // The binding path must still be chosen by platform/arch at run time, under bin/napi-v6.
    const loader = pkg.files.includes('dist/binding.js') ? pkg.read('dist/binding.js') : '';
    if (!loader.includes('bin/napi-v6/${process.platform}/${process.arch}/')) return { skip: 'dist/binding.js no longer loads bin/napi-v6/<platform>/<arch>' };
    return { remove: pkg.files.filter((f) => f.startsWith('bin/') && !f.startsWith(keep)) };
  },
};

/**
 * TF.js packages ship one self-contained CommonJS bundle for Node (`main`, dist/tf-*.node.js) next to
 * browser bundles, per-file ES modules for bundlers, WeChat mini-program builds and source maps. With no
 * `exports` field, Node (require and import alike) loads `main` only. Kept: `main`, the type declarations
 * (tsc compiles the function after install), the .wasm binaries beside the bundle (the wasm backend
 * picks one by SIMD/thread support at run time), package.json and docs.
 * @type {Rule}
 */
const tfjsBrowserAndBundlerBuilds = {
  why: 'TF.js browser/bundler builds',
  decide(pkg) {
    const main = typeof pkg.json.main === 'string' ? pkg.json.main.replace(/^\.\//, '') : '';
    if (pkg.json.exports !== undefined) return { skip: 'has an exports map' };
    if (!/^dist\/[\w.-]+\.node\.js$/.test(main) || !pkg.files.includes(main)) return { skip: `main is ${main || 'missing'}, not a dist/*.node.js bundle` };
    const kept = (/** @type {string} */ f) => f === main || f.endsWith('.d.ts') || /^dist\/[^/]+\.wasm$/.test(f);
    return { remove: pkg.files.filter((f) => /^(dist|wasm-out)\//.test(f) && !kept(f)) };
  },
};

/** Package name → its rule. Only top-level packages of the install are pruned (nested copies stay). */
/** @type {Record<string, Rule>} */
export const packageRules = {
  'onnxruntime-node': onnxRuntimeOtherPlatforms,
  '@tensorflow/tfjs-core': tfjsBrowserAndBundlerBuilds,
  '@tensorflow/tfjs-backend-cpu': tfjsBrowserAndBundlerBuilds,
  '@tensorflow/tfjs-backend-wasm': tfjsBrowserAndBundlerBuilds,
  '@tensorflow/tfjs-converter': tfjsBrowserAndBundlerBuilds,
  '@tensorflow/tfjs-layers': tfjsBrowserAndBundlerBuilds,
};

/**
 * Source maps: Node reads them only with --enable-source-maps, and a missing one leaves the stack trace
 * unmapped, nothing more.
 */
export const isSourceMap = (/** @type {string} */ file) => /\.(?:[cm]?js|d\.ts)\.map$/.test(file);
