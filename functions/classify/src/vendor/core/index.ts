// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
export * from './config.js';
export * from './errors.js';
export * from './health.js';
export * from './http.js';
export * from './location.js';
export * from './log.js';
export * from './model-s3.js';
export * from './s3.js';
export * from './lifecycle/index.js';
export * from './runtime/request-path.js';
export * from './result-naming.js';
export * from './metrics/index.js';
export * from './xml.js';
export * from './half-float.js';
