/**
 * `npm run invoke -- <function> [<event file>] [--format http|cloudevent] [--url URL] …`: sends a
 * function the request `func invoke` would send, for people without the func CLI.
 *
 *   --format http        POST <url> with the file as the body and Content-Type (default application/json)
 *   --format cloudevent  a binary-mode CloudEvent: ce-id (a UUID), ce-source /boson/fn, ce-type boson.fn,
 *                        JSON data re-marshalled as Go does it (func is written in Go)
 *
 * Flags as func names them: --id, --source, --type, --content-type, --data, --file, --target (= --url).
 * The default format is the function's own (`invoke:` in its func.yaml), as func chooses it; the event
 * file is looked up in the current directory, then in functions/<function>/. Beyond func: --header
 * 'Name: value' (repeatable), for functions that want one (configure-notify's bearer token).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { functionDir } from './run/paths.js';

export const DEFAULTS = {
  url: 'http://localhost:8080',
  format: 'http',
  source: '/boson/fn',
  type: 'boson.fn',
  contentType: 'application/json',
  data: '{"message":"Hello World"}',
} as const;

export interface InvokeRequest {
  url: string;
  /** Extra headers (--header), sent with either format. */
  headers?: Record<string, string>;
  format: 'http' | 'cloudevent';
  id: string;
  source: string;
  type: string;
  contentType: string;
  data: string;
}

const USAGE = `usage: npm run invoke -- <function> [<event file>] [--format http|cloudevent] [--url ${DEFAULTS.url}]
         [--id ID] [--source ${DEFAULTS.source}] [--type ${DEFAULTS.type}] [--content-type ${DEFAULTS.contentType}] [--data TEXT]
         [--header 'Name: value'] [--verbose]
The default --format is the function's (invoke: in functions/<function>/func.yaml), else http.
example: npm run invoke -- classify events/rgw-put.json --format http`;

/** Go's encoding/json: map keys sorted, compact, <, >, & and U+2028/9 escaped. */
export function goMarshal(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The HTTP request `func invoke` makes for these settings. */
export function buildRequest(r: InvokeRequest): { url: string; headers: Record<string, string>; body: string } {
  if (r.format === 'http') return { url: r.url, headers: { 'content-type': r.contentType, ...r.headers }, body: r.data };
  let body = r.data;
  if (r.contentType === 'application/json') {
    try {
      body = goMarshal(JSON.parse(r.data));
    } catch (error) {
      throw new Error(`--content-type application/json, but the data is not JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return {
    url: r.url,
    headers: { 'ce-specversion': '1.0', 'ce-id': r.id, 'ce-source': r.source, 'ce-type': r.type, 'content-type': r.contentType, ...r.headers },
    body,
  };
}

/** A received CloudEvent printed the way func prints it (cloudevents sdk-go's Event.String()). */
export function formatEvent(headers: Headers, body: string): string | undefined {
  let attrs: Record<string, string> = {};
  let data = body;
  let dataType = headers.get('content-type') ?? undefined;
  if (dataType?.startsWith('application/cloudevents+json')) {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const { data: d, data_base64: d64, ...rest } = parsed;
    attrs = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)]));
    data = d64 !== undefined ? String(d64) : typeof d === 'string' ? d : JSON.stringify(d);
    dataType = attrs.datacontenttype;
  } else {
    for (const [name, value] of headers) if (name.startsWith('ce-')) attrs[name.slice(3)] = value;
    if (dataType) attrs.datacontenttype = dataType;
  }
  if (!attrs.specversion || !attrs.type || !attrs.id) return undefined;
  const known = ['specversion', 'type', 'source', 'subject', 'id', 'time', 'dataschema', 'datacontenttype'];
  const lines = ['Context Attributes,'];
  for (const k of known) if (attrs[k] !== undefined) lines.push(`  ${k}: ${attrs[k]}`);
  const extensions = Object.keys(attrs)
    .filter((k) => !known.includes(k))
    .sort();
  if (extensions.length > 0) {
    lines.push('Extensions,');
    for (const k of extensions) lines.push(`  ${k}: ${attrs[k]}`);
  }
  if (data) {
    let shown = data;
    if (dataType?.startsWith('application/json')) {
      try {
        shown = JSON.stringify(JSON.parse(data), null, 2).replace(/\n/g, '\n  ');
      } catch {
        shown = data;
      }
    }
    lines.push('Data,', `  ${shown}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `invoke: cloudevent` in functions/<fn>/func.yaml: the format func uses when none is given. */
async function funcYamlFormat(fn: string): Promise<'http' | 'cloudevent' | undefined> {
  const text = await readFile(path.join(functionDir(fn), 'func.yaml'), 'utf8').catch(() => '');
  const m = /^invoke:\s*['"]?(http|cloudevent)['"]?\s*$/m.exec(text);
  return m?.[1] as 'http' | 'cloudevent' | undefined;
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f' },
      url: { type: 'string' },
      target: { type: 'string', short: 't' },
      id: { type: 'string' },
      source: { type: 'string' },
      type: { type: 'string' },
      'content-type': { type: 'string' },
      data: { type: 'string' },
      file: { type: 'string' },
      header: { type: 'string', short: 'H', multiple: true },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const [fn, fileArg] = positionals as [string, string | undefined];
  if (!existsSync(functionDir(fn))) {
    process.stderr.write(`no function "${fn}" in functions/\n${USAGE}\n`);
    return 2;
  }
  const format = values.format ?? (await funcYamlFormat(fn)) ?? DEFAULTS.format;
  if (format !== 'http' && format !== 'cloudevent') {
    process.stderr.write(`--format must be http or cloudevent, not ${format}\n`);
    return 2;
  }
  let data = values.data ?? DEFAULTS.data;
  const file = values.file ?? fileArg;
  if (file) {
    const candidates = path.isAbsolute(file) ? [file] : [path.resolve(process.env.INIT_CWD ?? process.cwd(), file), path.resolve(functionDir(fn), file)];
    const found = candidates.find((c) => existsSync(c));
    if (!found) {
      process.stderr.write(`no event file ${file} (looked at ${candidates.join(', ')})\n`);
      return 2;
    }
    data = await readFile(found, 'utf8');
  }
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) {
      process.stderr.write(`--header must look like 'Name: value', not ${h}\n`);
      return 2;
    }
    headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const request = buildRequest({
    url: values.url ?? values.target ?? DEFAULTS.url,
    headers,
    format,
    id: values.id ?? randomUUID(),
    source: values.source ?? DEFAULTS.source,
    type: values.type ?? DEFAULTS.type,
    contentType: values['content-type'] ?? DEFAULTS.contentType,
    data,
  });
  if (values.verbose) {
    process.stdout.write(`Invoking ${fn} at ${request.url} (${format})\n`);
    for (const [k, v] of Object.entries(request.headers)) process.stdout.write(`  ${k}: ${v}\n`);
  }
  let res: Response;
  try {
    res = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const detail = (error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
    const cause = detail?.code ?? detail?.errors?.find((e) => e.code)?.code ?? detail?.message;
    process.stderr.write(`unable to invoke ${request.url}: ${cause ?? (error as Error).message} (is the function running? npm start, or func run)\n`);
    return 1;
  }
  const body = await res.text();
  process.stdout.write('Received response\n');
  if (values.verbose || res.status > 299) process.stdout.write(`HTTP ${res.status}\n`);
  const event = formatEvent(res.headers, body);
  if (event) process.stdout.write(event);
  else if (body) process.stdout.write(`${pretty(body)}\n`);
  if (res.status > 299) {
    process.stderr.write(`failure invoking '${request.url}' (HTTP ${res.status})\n`);
    return 1;
  }
  return 0;
}

// Run only as a program (`npm run invoke`), not when a test imports the helpers.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
