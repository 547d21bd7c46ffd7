// CloudEvent deliveries that break the HTTP protocol binding (CloudEvents 1.0 spec, http-protocol-
// binding.md §3.1 binary: ce-specversion, ce-id, ce-source, ce-type headers; §3.2 structured: a JSON
// object with specversion, id, source, type). Built by hand, not by the SDK our code uses, and each
// with what faas-js-runtime does with it alone, which the entry must change.
import { CloudEvent, HTTP } from 'cloudevents';

export interface MalformedCase {
  mode: 'binary' | 'structured' | 'batch';
  name: string;
  headers: Record<string, string>;
  body: string;
  /** What the 400's message must say. */
  message: RegExp;
}

const binary = { 'ce-specversion': '1.0', 'ce-id': 'bad-1', 'ce-type': 'io.example.test', 'ce-source': '/test', 'content-type': 'application/json' };
const without = (name: keyof typeof binary): Record<string, string> => Object.fromEntries(Object.entries(binary).filter(([k]) => k !== name));
const attributes = { specversion: '1.0', id: 'bad-1', type: 'io.example.test', source: '/test', data: { row: 23 } };
const structured = (event: Record<string, unknown>): string => JSON.stringify(event);
const dropped = (name: keyof typeof attributes): Record<string, unknown> => Object.fromEntries(Object.entries(attributes).filter(([k]) => k !== name));
const ceJson = { 'content-type': 'application/cloudevents+json' };
const data = '{"row":23}';

export const malformedCloudEvents: MalformedCase[] = [
  // faas-js-runtime: 500 "invalid payload … must have required property 'type'" (retried by Knative)
  { mode: 'binary', name: 'no ce-type', headers: without('ce-type'), body: data, message: /without ce-type/ },
  { mode: 'binary', name: 'no ce-source', headers: without('ce-source'), body: data, message: /without ce-source/ },
  // faas-js-runtime: not a CloudEvent at all (the SDK keys binary mode on ce-id): handle runs without the event
  { mode: 'binary', name: 'no ce-id', headers: without('ce-id'), body: data, message: /without ce-id/ },
  { mode: 'binary', name: 'no ce-id, ce-type nor ce-source', headers: { 'ce-specversion': '1.0', 'content-type': 'application/json' }, body: data, message: /without ce-id, ce-source, ce-type/ },
  // faas-js-runtime: the SDK assumes 1.0 and handle runs
  { mode: 'binary', name: 'no ce-specversion', headers: without('ce-specversion'), body: data, message: /without ce-specversion/ },
  // faas-js-runtime: validate() returns false instead of throwing, so its 406 branch never fires: handle runs
  { mode: 'binary', name: 'specversion 0.3', headers: { ...binary, 'ce-specversion': '0.3' }, body: data, message: /specversion "0\.3" is not supported/ },
  { mode: 'binary', name: 'specversion 2.0', headers: { ...binary, 'ce-specversion': '2.0' }, body: data, message: /specversion "2\.0" is not supported/ },
  // faas-js-runtime: 500 (schema: source is a URI-reference)
  { mode: 'binary', name: 'a source that is not a URI reference', headers: { ...binary, 'ce-source': 'not a uri' }, body: data, message: /source must match format "uri-reference"/ },
  { mode: 'structured', name: 'no type', headers: ceJson, body: structured(dropped('type')), message: /without "type"/ },
  { mode: 'structured', name: 'no source', headers: ceJson, body: structured(dropped('source')), message: /without "source"/ },
  // faas-js-runtime: the SDK invents a random id, handle runs
  { mode: 'structured', name: 'no id', headers: ceJson, body: structured(dropped('id')), message: /without "id"/ },
  { mode: 'structured', name: 'no specversion', headers: ceJson, body: structured(dropped('specversion')), message: /without "specversion"/ },
  { mode: 'structured', name: 'nothing but data', headers: ceJson, body: '{"data":{}}', message: /without "specversion", "id", "source", "type"/ },
  { mode: 'structured', name: 'specversion 0.3', headers: ceJson, body: structured({ ...attributes, specversion: '0.3' }), message: /specversion "0\.3" is not supported/ },
  // faas-js-runtime: 500 (JSON.parse's SyntaxError)
  { mode: 'structured', name: 'a body that is not JSON', headers: ceJson, body: '{"specversion":"1.0",', message: /body is not JSON/ },
  { mode: 'structured', name: 'a JSON array', headers: ceJson, body: '[1,2]', message: /not a JSON object/ },
  // faas-js-runtime: 500 (validate is not a function on the array toEvent returns)
  { mode: 'batch', name: 'a batch', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: `[${structured(attributes)}]`, message: /batched CloudEvents/ },
];

const valid = (): CloudEvent<{ row: number }> => new CloudEvent({ id: 'valid-1', type: 'io.example.test', source: '/test', data: { row: 23 } });

export function validBinary(): { headers: Record<string, string>; body: string } {
  const m = HTTP.binary(valid());
  return { headers: m.headers as Record<string, string>, body: m.body as string };
}

export function validStructured(): { headers: Record<string, string>; body: string } {
  const m = HTTP.structured(valid());
  return { headers: m.headers as Record<string, string>, body: m.body as string };
}
