// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * Liveness and readiness for faas-js-runtime, which mounts them as fastify handlers. Its defaults
 * answer 503 whenever the event loop lags more than 42 ms, which CPU-bound inference does by design;
 * a restart would not help, so liveness only says the process answers, and readiness says init finished.
 */
export interface ProbeReply {
  code(status: number): ProbeReply;
  header(name: string, value: string): ProbeReply;
  send(body: string): unknown;
}
export type ProbeHandler = ((request: unknown, reply: ProbeReply) => void) & { path?: string };

export interface ReadinessState {
  /** undefined when ready, else why not (shown in the 503 body). */
  notReadyReason(): string | undefined;
}

export function healthChecks(state: ReadinessState): { liveness: ProbeHandler; readiness: ProbeHandler } {
  const liveness: ProbeHandler = (_req, reply) => {
    reply.code(200).header('content-type', 'text/plain; charset=utf-8').send('OK');
  };
  const readiness: ProbeHandler = (_req, reply) => {
    const reason = state.notReadyReason();
    reply
      .code(reason === undefined ? 200 : 503)
      .header('content-type', 'text/plain; charset=utf-8')
      .send(reason ?? 'OK');
  };
  return { liveness, readiness };
}
