export * from './context.js';
export * from './define.js';
export * from './not-ready.js';
export * from './startup.js';
