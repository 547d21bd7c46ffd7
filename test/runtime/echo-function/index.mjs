// A function that answers with what faas-js-runtime handed to handle, so the test of the server entry
// sees the path, query, body and CloudEvent handle got. Started by the entry of a built function.
import { requestPath } from '../../../functions/score/build/vendor/core/runtime/request-path.js';

export function handle(context, body) {
  const event = context.cloudevent;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: {
      path: requestPath(context),
      query: context.query,
      method: context.method,
      body: event ? null : (body ?? null),
      cloudevent: event ? { id: event.id, type: event.type, source: event.source, specversion: event.specversion, data: event.data ?? null } : null,
    },
  };
}

// Probes of its own (as every bucket-ml function has): the runtime's default ones answer 503 whenever
// the event loop lags, which a loaded test machine does.
export function liveness(_request, reply) {
  reply.code(200).header('content-type', 'text/plain').send('alive');
}
export function readiness(_request, reply) {
  reply.code(200).header('content-type', 'text/plain').send('ready');
}
