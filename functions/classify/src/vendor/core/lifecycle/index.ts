// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
export * from './context.js';
export * from './define.js';
export * from './not-ready.js';
export * from './startup.js';
