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
