// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * Compile-time contract with faas-js-runtime's declarations (index.d.ts, lib/types.d.ts): compiled by
 * `tsc` in lint and in every function's build (this file is vendored), it fails when the runtime's
 * `Context` no longer fits InvocationContext or our `handle` no longer fits its function type. Types
 * only: nothing here runs.
 */
import type { CloudEventFunction, Context, HTTPFunction } from 'faas-js-runtime';
import type { InvocationContext } from './context.js';
import type { RuntimeHooks } from './define.js';

/** Resolves to `true` only when T is assignable to U. */
type Assignable<T, U> = [T] extends [U] ? true : false;
/** Accepts only `true`, so `Check<Assignable<…>>` is a compile error when the assignment fails. */
type Check<T extends true> = T;

/** Every context the runtime passes is one our handlers understand. */
export type ContextFits = Check<Assignable<Context, InvocationContext>>;
/** The `handle` a lifecycle exports is a function the runtime can call, for HTTP and for CloudEvents. */
export type HandleFitsHttp = Check<Assignable<RuntimeHooks['handle'], HTTPFunction>>;
export type HandleFitsCloudEvents = Check<Assignable<RuntimeHooks['handle'], CloudEventFunction>>;
