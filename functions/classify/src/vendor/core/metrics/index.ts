// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
export * from './exposition.js';
export * from './registry.js';
export * from './startup.js';
