/**
 * The old one-shot tool's notify.env, unchanged, as a document:
 *
 *   ACCESS_KEY, SECRET_KEY, ENDPOINT_URL   how to reach RGW (for the CLI's connection only; never
 *                                          part of the document)
 *   BUCKET_NAME                            the bucket
 *   HTTP_ENDPOINT                          where RGW pushes (http(s)://; amqp(s):// and kafka:// too)
 *   FILTER                                 '{"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}}'
 *   FILTER_TYPE                            prefix | suffix | regex | metadata | tags
 *
 * The old tool made one topic and one notification; their names were not configurable there, so
 * they are derived from the bucket (TOPIC_NAME and NOTIFICATION_ID override). Optional too:
 * EVENTS (comma-separated, default s3:ObjectCreated:*), PERSISTENT, OPAQUE_DATA, AMQP_EXCHANGE, REGION.
 */
import { endpointKind } from './state/canonical.js';
import { API_VERSION, KIND, StateValidationError, validateState, type FilterRule, type KeyFilterRule, type NotificationState, type Problem, type Topic } from './state/schema.js';

export interface EnvFileConnection {
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
}

export interface EnvFileResult {
  document: NotificationState;
  connection: EnvFileConnection;
  /** Variables that were ignored, and the like. */
  warnings: string[];
}

const KNOWN = new Set([
  'ACCESS_KEY',
  'SECRET_KEY',
  'ENDPOINT_URL',
  'REGION',
  'BUCKET_NAME',
  'HTTP_ENDPOINT',
  'FILTER',
  'FILTER_TYPE',
  'TOPIC_NAME',
  'NOTIFICATION_ID',
  'EVENTS',
  'PERSISTENT',
  'OPAQUE_DATA',
  'AMQP_EXCHANGE',
]);

/** Parses dotenv syntax: KEY=value, `export KEY=value`, '…' literal, "…" with \n \" \\ escapes, # comments. */
export function parseEnvText(text: string): { vars: Map<string, { value: string; line: number }>; problems: Problem[] } {
  const vars = new Map<string, { value: string; line: number }>();
  const problems: Problem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      problems.push({ path: `line ${i + 1}`, message: 'is not KEY=value' });
      continue;
    }
    const key = m[1]!;
    let rest = m[2]!;
    let value: string;
    if (rest.startsWith("'") || rest.startsWith('"')) {
      const quote = rest[0]!;
      // a quoted value may span lines
      let body = rest.slice(1);
      let end = findClosing(body, quote);
      while (end === -1 && i + 1 < lines.length) {
        body += '\n' + lines[++i]!;
        end = findClosing(body, quote);
      }
      if (end === -1) {
        problems.push({ path: `line ${i + 1}`, message: `${key}: unterminated ${quote} quote` });
        continue;
      }
      value = body.slice(0, end);
      if (quote === '"') value = value.replace(/\\(["\\nrt$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
      rest = body.slice(end + 1).trim();
      if (rest && !rest.startsWith('#')) problems.push({ path: `line ${i + 1}`, message: `${key}: unexpected text after the closing quote` });
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
    }
    vars.set(key, { value, line: i + 1 });
  }
  return { vars, problems };
}

function findClosing(body: string, quote: string): number {
  for (let j = 0; j < body.length; j++) {
    if (quote === '"' && body[j] === '\\') {
      j++;
      continue;
    }
    if (body[j] === quote) return j;
  }
  return -1;
}

const FILTER_TYPES = ['prefix', 'suffix', 'regex', 'metadata', 'tags'] as const;
type FilterType = (typeof FILTER_TYPES)[number];

interface FilterRuleJson {
  Name?: unknown;
  Value?: unknown;
}

/** FILTER + FILTER_TYPE → the document's filter, or problems. */
function translateFilter(filterText: string | undefined, typeText: string | undefined, problems: Problem[]): NonNullable<NotificationState['spec']['notifications'][number]['filter']> | undefined {
  const type = typeText?.trim().toLowerCase();
  if (type !== undefined && type !== '' && !(FILTER_TYPES as readonly string[]).includes(type)) {
    problems.push({ path: 'FILTER_TYPE', message: `must be one of ${FILTER_TYPES.join(', ')} (got ${typeText})` });
    return undefined;
  }
  const filterType = type ? (type as FilterType) : undefined;
  if (filterText === undefined || filterText.trim() === '') {
    if (filterType) problems.push({ path: 'FILTER', message: `is required with FILTER_TYPE=${filterType}` });
    return undefined;
  }
  const keyRules: KeyFilterRule[] = [];
  const metadata: FilterRule[] = [];
  const tags: FilterRule[] = [];
  const add = (kind: 'key' | 'metadata' | 'tags', name: string, value: string, where: string) => {
    if (kind === 'key') {
      const n = name.toLowerCase();
      if (n !== 'prefix' && n !== 'suffix' && n !== 'regex') {
        problems.push({ path: where, message: `a key filter rule is named prefix, suffix or regex (got ${name}); for metadata or tags set FILTER_TYPE` });
        return;
      }
      if (filterType && filterType !== n && filterType !== 'metadata' && filterType !== 'tags') {
        problems.push({ path: where, message: `is a ${n} rule but FILTER_TYPE is ${filterType}` });
        return;
      }
      keyRules.push({ name: n, value });
    } else (kind === 'metadata' ? metadata : tags).push({ name, value });
  };

  let parsed: unknown;
  try {
    parsed = JSON.parse(filterText);
  } catch {
    // not JSON: a bare value, typed by FILTER_TYPE (FILTER=.jpg FILTER_TYPE=suffix, FILTER=color=red FILTER_TYPE=metadata)
    if (!filterType) {
      problems.push({ path: 'FILTER', message: 'is not JSON ({"Key": {"FilterRules": [...]}}); a bare value needs FILTER_TYPE' });
      return undefined;
    }
    if (filterType === 'metadata' || filterType === 'tags') {
      const eq = filterText.indexOf('=');
      if (eq <= 0) problems.push({ path: 'FILTER', message: `a bare ${filterType} filter is name=value` });
      else add(filterType, filterText.slice(0, eq).trim(), filterText.slice(eq + 1).trim(), 'FILTER');
    } else add('key', filterType, filterText, 'FILTER');
    return build();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push({ path: 'FILTER', message: 'must be a JSON object such as {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}}' });
    return undefined;
  }
  for (const [block, content] of Object.entries(parsed as Record<string, unknown>)) {
    const kind = /^(s3)?key$/i.test(block) ? 'key' : /^(s3)?metadata$/i.test(block) ? 'metadata' : /^(s3)?tags?$/i.test(block) ? 'tags' : undefined;
    if (!kind) {
      problems.push({ path: `FILTER.${block}`, message: 'unknown filter block (use Key, Metadata or Tags)' });
      continue;
    }
    const list = (content as { FilterRules?: unknown } | null)?.FilterRules;
    if (!Array.isArray(list)) {
      problems.push({ path: `FILTER.${block}.FilterRules`, message: 'must be a list of {"Name": ..., "Value": ...}' });
      continue;
    }
    list.forEach((rule: FilterRuleJson, i) => {
      const where = `FILTER.${block}.FilterRules[${i}]`;
      if (typeof rule?.Name !== 'string' || typeof rule.Value !== 'string') {
        problems.push({ path: where, message: 'needs string Name and Value' });
        return;
      }
      // the old tool put every rule under "Key" and said with FILTER_TYPE what they filter on
      const target = kind === 'key' && (filterType === 'metadata' || filterType === 'tags') ? filterType : kind;
      add(target, rule.Name, rule.Value, where);
    });
  }
  return build();

  function build() {
    const filter = {
      ...(keyRules.length ? { keyFilters: keyRules } : {}),
      ...(metadata.length ? { metadataFilters: metadata } : {}),
      ...(tags.length ? { tagFilters: tags } : {}),
    };
    return Object.keys(filter).length ? filter : undefined;
  }
}

const VARIABLE_OF: Array<[RegExp, string]> = [
  [/^spec\.notifications\[0\]\.bucket/, 'BUCKET_NAME'],
  [/^spec\.notifications\[0\]\.id/, 'NOTIFICATION_ID'],
  [/^spec\.notifications\[0\]\.events/, 'EVENTS'],
  [/^spec\.notifications\[0\]\.filter/, 'FILTER'],
  [/^spec\.(topics\[0\]\.name|notifications\[0\]\.topic)/, 'TOPIC_NAME'],
  [/^spec\.topics\[0\]\.endpoint\.amqp\.exchange/, 'AMQP_EXCHANGE'],
  [/^spec\.topics\[0\]\.endpoint/, 'HTTP_ENDPOINT'],
  [/^spec\.topics\[0\]\.opaqueData/, 'OPAQUE_DATA'],
];
const variableOf = (path: string): string => VARIABLE_OF.find(([re]) => re.test(path))?.[1] ?? path;

/**
 * notify.env text → document + connection. Throws StateValidationError (paths are variable names,
 * or document paths for what the document schema refuses).
 */
export function documentFromEnvFile(text: string): EnvFileResult {
  const { vars, problems } = parseEnvText(text);
  const get = (k: string): string | undefined => {
    const v = vars.get(k)?.value;
    return v === undefined || v === '' ? undefined : v;
  };
  const warnings = [...vars.keys()].filter((k) => !KNOWN.has(k)).map((k) => `${k} (line ${vars.get(k)!.line}) is not a notify.env variable: ignored`);

  const bucket = get('BUCKET_NAME');
  const endpoint = get('HTTP_ENDPOINT');
  if (!bucket) problems.push({ path: 'BUCKET_NAME', message: 'is required' });
  if (!endpoint) problems.push({ path: 'HTTP_ENDPOINT', message: 'is required (where RGW pushes the events)' });
  const kind = endpoint ? endpointKind(endpoint) : undefined;
  if (endpoint && !kind) problems.push({ path: 'HTTP_ENDPOINT', message: 'must be an http(s)://, amqp(s):// or kafka:// URL' });
  if (kind === 'amqp' && !get('AMQP_EXCHANGE')) problems.push({ path: 'AMQP_EXCHANGE', message: 'is required when HTTP_ENDPOINT is amqp(s)://' });
  const persistentText = get('PERSISTENT')?.toLowerCase();
  if (persistentText !== undefined && !['true', 'false', '1', '0', 'yes', 'no'].includes(persistentText)) problems.push({ path: 'PERSISTENT', message: 'must be true or false' });
  const filter = translateFilter(get('FILTER'), get('FILTER_TYPE'), problems);
  const accessKeyId = get('ACCESS_KEY');
  const secretAccessKey = get('SECRET_KEY');
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) problems.push({ path: accessKeyId ? 'SECRET_KEY' : 'ACCESS_KEY', message: 'is required with the other half of the key pair' });
  const endpointUrl = get('ENDPOINT_URL');
  if (endpointUrl && !/^https?:\/\//i.test(endpointUrl)) problems.push({ path: 'ENDPOINT_URL', message: 'must be the http(s):// URL of the RGW' });
  if (problems.length) throw new StateValidationError(problems);

  const topicName = get('TOPIC_NAME') ?? `${bucket}-notify`;
  let topicEndpoint: Topic['endpoint'];
  if (kind === 'amqp') topicEndpoint = { amqp: { uri: endpoint!, exchange: get('AMQP_EXCHANGE')! } };
  else if (kind === 'kafka') topicEndpoint = { kafka: { uri: endpoint! } };
  else topicEndpoint = { http: { uri: endpoint! } };
  const persistent = persistentText !== undefined && ['true', '1', 'yes'].includes(persistentText);
  const opaqueData = get('OPAQUE_DATA');
  const events = (get('EVENTS') ?? 's3:ObjectCreated:*')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const raw = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: `notify-env-${bucket}` },
    spec: {
      topics: [{ name: topicName, endpoint: topicEndpoint, ...(persistent ? { persistent } : {}), ...(opaqueData ? { opaqueData } : {}) }],
      notifications: [{ bucket: bucket!, id: get('NOTIFICATION_ID') ?? `${bucket}-notify`, topic: topicName, events, ...(filter ? { filter } : {}) }],
    },
  };
  let document: NotificationState;
  try {
    document = validateState(raw);
  } catch (error) {
    if (!(error instanceof StateValidationError)) throw error;
    // say it in notify.env's terms
    throw new StateValidationError(error.problems.map((p) => ({ path: variableOf(p.path), message: p.message })));
  }
  const region = get('REGION');
  return {
    document,
    connection: {
      ...(endpointUrl ? { endpoint: endpointUrl } : {}),
      ...(accessKeyId ? { accessKeyId } : {}),
      ...(secretAccessKey ? { secretAccessKey } : {}),
      ...(region ? { region } : {}),
    },
    warnings,
  };
}
