/**
 * CloudEvents over HTTP (spec v1.0.2, HTTP protocol binding), in and out, as the Broker's Go SDK
 * (cloudevents/sdk-go v2 binding/http) reads and writes them: binary mode (`ce-*` headers, the body is
 * the data) and structured mode (`application/cloudevents+json`). Pure: no I/O.
 */

/** A CloudEvent as the eventing stand-ins move it: context attributes and extensions as strings, data as bytes. */
export interface Event {
  /** specversion, id, source, type, and optional subject, time, datacontenttype, dataschema, extensions. */
  attributes: Record<string, string>;
  data?: Buffer;
}

export class InvalidEvent extends Error {
  override name = 'InvalidEvent';
}

export type Headers = Record<string, string | string[] | undefined>;

const header = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

const STRUCTURED = /^application\/cloudevents\+json\s*(;|$)/i;
const BATCH = /^application\/cloudevents-batch\+json\s*(;|$)/i;
// spec: extension names are lower-case letters and digits only
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
const REQUIRED = ['id', 'source', 'specversion', 'type'] as const;
// RFC 3339 as the spec requires for `time`
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;

/** How the request carries its event, the way sdk-go's binding.Message ReadEncoding decides. */
export function encodingOf(headers: Headers): 'binary' | 'structured' | 'batch' | 'unknown' {
  const type = header(headers, 'content-type') ?? '';
  if (STRUCTURED.test(type)) return 'structured';
  if (BATCH.test(type)) return 'batch';
  return header(headers, 'ce-specversion') !== undefined ? 'binary' : 'unknown';
}

/**
 * Header values travel as raw UTF-8 bytes: sdk-go v2.16.1 (vendored by knative/eventing and
 * eventing-ceph) neither percent-encodes nor decodes them (protocol/http write_request.go, message.go).
 * Node reads header bytes as latin1, so they are re-read as UTF-8, and written back the same way.
 */
const NON_ASCII = /[\u0080-\uffff]/;
const decodeHeaderValue = (v: string): string => (NON_ASCII.test(v) ? Buffer.from(v, 'latin1').toString('utf8') : v);
const encodeHeaderValue = (v: string): string => (NON_ASCII.test(v) ? Buffer.from(v, 'utf8').toString('latin1') : v);

/** Spec rules the Go SDK's Event.Validate applies: required attributes, names, `time` format. */
export function validate(event: Event): void {
  const a = event.attributes;
  if (a.specversion !== '1.0') throw new InvalidEvent(`specversion: expected "1.0", got ${JSON.stringify(a.specversion ?? null)}`);
  for (const name of REQUIRED) if (!a[name]) throw new InvalidEvent(`${name}: REQUIRED but missing or empty`);
  for (const name of Object.keys(a)) if (!ATTRIBUTE_NAME.test(name)) throw new InvalidEvent(`attribute name ${JSON.stringify(name)}: only a-z and 0-9 are allowed`);
  if (a.time !== undefined && !RFC3339.test(a.time)) throw new InvalidEvent(`time: not RFC 3339: ${a.time}`);
  if (a.subject === '') throw new InvalidEvent('subject: if present, MUST be a non-empty string');
}

/** The event an HTTP message carries, or InvalidEvent (batch mode is not accepted by the Broker). */
export function fromHttp(headers: Headers, body: Buffer): Event {
  const encoding = encodingOf(headers);
  if (encoding === 'unknown') throw new InvalidEvent('not a CloudEvent: no ce-specversion header and not application/cloudevents+json');
  if (encoding === 'batch') throw new InvalidEvent('batched CloudEvents are not accepted here');
  const event = encoding === 'binary' ? fromBinary(headers, body) : fromStructured(body);
  validate(event);
  return event;
}

function fromBinary(headers: Headers, body: Buffer): Event {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('ce-') || value === undefined) continue;
    attributes[name.slice(3).toLowerCase()] = decodeHeaderValue(Array.isArray(value) ? value.join(',') : value);
  }
  const type = header(headers, 'content-type');
  if (type !== undefined) attributes.datacontenttype = type;
  return body.length > 0 ? { attributes, data: body } : { attributes };
}

function fromStructured(body: Buffer): Event {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new InvalidEvent(`structured CloudEvent: body is not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidEvent('structured CloudEvent: body is not a JSON object');
  const attributes: Record<string, string> = {};
  let data: Buffer | undefined;
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    if (name === 'data') {
      if (value === undefined) continue;
      data = Buffer.from(typeof value === 'string' && !/json/i.test(String((doc as Record<string, unknown>).datacontenttype ?? 'application/json')) ? value : JSON.stringify(value), 'utf8');
    } else if (name === 'data_base64') {
      if (typeof value !== 'string') throw new InvalidEvent('data_base64: not a string');
      data = Buffer.from(value, 'base64');
    } else if (value === null) {
      continue;
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      attributes[name] = String(value);
    } else {
      throw new InvalidEvent(`attribute ${name}: not a string, number or boolean`);
    }
  }
  if ('data' in (doc as object) && attributes.datacontenttype === undefined) attributes.datacontenttype = 'application/json';
  return data === undefined ? { attributes } : { attributes, data };
}

/** Binary mode, as the Broker delivers to subscribers (sdk-go's default when no format is forced). */
export function toBinary(event: Event): { headers: Record<string, string>; body: Buffer } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.attributes)) {
    if (name === 'datacontenttype') headers['content-type'] = value;
    else headers[`ce-${name}`] = encodeHeaderValue(value);
  }
  return { headers, body: event.data ?? Buffer.alloc(0) };
}

/** Structured mode (`application/cloudevents+json`), for `delivery.format: json`. */
export function toStructured(event: Event): { headers: Record<string, string>; body: Buffer } {
  const doc: Record<string, unknown> = { ...event.attributes };
  if (event.data !== undefined) {
    const json = /json/i.test(event.attributes.datacontenttype ?? '');
    if (json) {
      try {
        doc.data = JSON.parse(event.data.toString('utf8'));
      } catch {
        doc.data_base64 = event.data.toString('base64');
      }
    } else doc.data_base64 = event.data.toString('base64');
  }
  return { headers: { 'content-type': 'application/cloudevents+json' }, body: Buffer.from(JSON.stringify(doc), 'utf8') };
}

/** The data parsed as JSON (for tests and sinks); undefined when there is none or it is not JSON. */
export function jsonData<T = unknown>(event: Event): T | undefined {
  if (!event.data) return undefined;
  try {
    return JSON.parse(event.data.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
