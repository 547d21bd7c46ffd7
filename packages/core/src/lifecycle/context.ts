/**
 * What faas-js-runtime hands `handle` (its lib/context.js), as far as bucket-ml functions read it: one
 * type for all of them. runtime-contract.ts checks at compile time that the runtime's declared
 * `Context` is assignable to it, so an upgrade that renames or retypes a field breaks the build.
 */
import type { CloudEventV1 } from 'cloudevents';
import type { Logger } from '../log.js';

export type Headers = Record<string, string | string[] | undefined>;

export interface InvocationContext {
  method: string;
  /** Optional so a handler can be called without a request (tests, CLIs); the runtime always sets it. */
  headers?: Headers;
  query?: Record<string, unknown>;
  /** The request's content-type: set by lib/context.js, though its types do not declare it. */
  contentType?: string;
  /**
   * The delivered event, when the request carried one. The runtime's own `cloudevents` (its nested
   * copy, another major version) built it, so it is typed by the SDK's interface, not its class:
   * `instanceof CloudEvent` would be false.
   */
  cloudevent?: CloudEventV1<unknown>;
}

/** One call of a function's handler: the runtime's context and a logger for this call only. */
export interface Invocation {
  context: InvocationContext;
  /** The function's logger with this invocation's correlation fields (see FunctionDefinition.correlate). */
  log: Logger;
}
