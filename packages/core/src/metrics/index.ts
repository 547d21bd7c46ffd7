export * from './exposition.js';
export * from './registry.js';
export * from './startup.js';
