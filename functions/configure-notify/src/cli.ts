#!/usr/bin/env node
/**
 * configure-notify <apply|plan|get|delete> [-f state.yaml | --env-file notify.env] [-o table|json|yaml]
 * Exit codes: 0 done, 1 failed (RGW refused or failed, or an item failed), 2 invalid input.
 */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ConfigError, FunctionError, loadConfig } from './vendor/core/index.js';
import { applyState, deleteState, getState } from './engine.js';
import { documentFromEnvFile } from './env-file.js';
import { formatReport, type OutputFormat, type Report } from './report.js';
import { connectRgw, rgwEnvSchema, rgwOptionsFromEnv, type RgwConnectionOptions } from './rgw/client.js';
import { parseStateText, StateValidationError, type NotificationState } from './state/schema.js';
import { reconcileCommand } from './reconcile/command.js';

const USAGE = `usage: configure-notify <command> [options]

commands:
  apply    create what is missing, update what differs; report each item
  plan     the same report, changing nothing
  get      the actual state, as a document (everything, or what -f/--env-file/--topic/--notification name)
  delete   delete what the document declares, or the items named with --topic/--notification
  reconcile  send what has no classification result yet (configure-notify reconcile --help)

options:
  -f, --file FILE          the desired state (YAML or JSON; - for stdin)
      --env-file FILE      the old tool's notify.env instead of a document (its ACCESS_KEY, SECRET_KEY
                           and ENDPOINT_URL are used to reach RGW)
      --topic NAME         (get, delete) this topic; repeatable
      --notification B/ID  (get, delete) notification ID of bucket B; repeatable
      --dry-run            (apply, delete) report only, like plan
  -o, --output FORMAT      table | json | yaml (default: table; yaml for get)
  -h, --help

RGW connection (environment): AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION, RGW_VERSION (when /swift/info cannot tell it).
exit codes: 0 done, 1 failed, 2 invalid input`;

/** A problem with what the user gave (exit 2). */
class UsageError extends Error {}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  readStdin: () => Promise<string>;
}

async function readInput(path: string, io: Io): Promise<string> {
  if (path === '-') return io.readStdin();
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function parseNotificationName(value: string): { bucket: string; id: string } {
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1) throw new UsageError(`--notification ${value}: expected BUCKET/ID`);
  return { bucket: value.slice(0, slash), id: value.slice(slash + 1) };
}

/** Runs the CLI; returns the exit code (exported for tests and for embedding). */
export async function main(argv: string[], io: Io): Promise<number> {
  if (argv[0] === 'reconcile') return reconcileCommand(argv.slice(1), io);
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: 'string', short: 'f' },
        'env-file': { type: 'string' },
        output: { type: 'string', short: 'o' },
        topic: { type: 'string', multiple: true },
        notification: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`configure-notify: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  try {
    const command = positionals[0];
    if (!command || !['apply', 'plan', 'get', 'delete'].includes(command)) throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
    if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
    const output = (values.output ?? (command === 'get' ? 'yaml' : 'table')) as OutputFormat;
    if (!['table', 'json', 'yaml'].includes(output)) throw new UsageError(`--output must be table, json or yaml`);
    if (values.file && values['env-file']) throw new UsageError('give -f or --env-file, not both');
    const names = { topics: values.topic ?? [], notifications: (values.notification ?? []).map(parseNotificationName) };
    const byName = names.topics.length > 0 || names.notifications.length > 0;
    if (byName && command !== 'get' && command !== 'delete') throw new UsageError('--topic/--notification go with get and delete');
    if (byName && (values.file || values['env-file'])) throw new UsageError('give a document or names, not both');
    if (values['dry-run'] && command !== 'apply' && command !== 'delete') throw new UsageError('--dry-run goes with apply and delete');

    let document: NotificationState | undefined;
    let fromEnvFile: RgwConnectionOptions | undefined;
    if (values.file) document = parseStateText(await readInput(values.file, io));
    if (values['env-file']) {
      const translated = documentFromEnvFile(await readInput(values['env-file'], io));
      for (const w of translated.warnings) io.err(`warning: ${w}\n`);
      document = translated.document;
      const c = translated.connection;
      fromEnvFile = {
        endpoint: c.endpoint ?? '',
        ...(c.accessKeyId && c.secretAccessKey ? { credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey } } : {}),
        ...(c.region ? { region: c.region } : {}),
      };
    }
    if ((command === 'apply' || command === 'plan') && !document) throw new UsageError(`${command} needs -f FILE or --env-file FILE`);
    if (command === 'delete' && !document && !byName) throw new UsageError('delete needs -f FILE, --env-file FILE, or --topic/--notification names');

    // the environment says how to reach RGW; notify.env's ENDPOINT_URL/ACCESS_KEY/SECRET_KEY take precedence
    const env = { ...io.env };
    if (fromEnvFile?.endpoint) env.AWS_ENDPOINT_URL_S3 = fromEnvFile.endpoint;
    let options: RgwConnectionOptions;
    try {
      options = rgwOptionsFromEnv(loadConfig(rgwEnvSchema, env));
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`cannot reach RGW: ${error.problems.join('; ')}${values['env-file'] ? ' (notify.env: ENDPOINT_URL, ACCESS_KEY, SECRET_KEY)' : ''}`);
      throw error;
    }
    if (fromEnvFile?.credentials) options.credentials = fromEnvFile.credentials;
    if (fromEnvFile?.region) options.region = fromEnvFile.region;
    const rgw = connectRgw(options);
    try {
      if (command === 'get') {
        const result = await getState(rgw, document ?? (byName ? names : undefined));
        for (const w of result.warnings) io.err(`warning: ${w.name}: ${w.message}\n`);
        io.out(output === 'json' ? `${JSON.stringify(result.document, null, 2)}\n` : output === 'yaml' ? stringify(result.document, { lineWidth: 0 }) : stateTable(result.document));
        return 0;
      }
      let report: Report;
      if (command === 'delete') report = await deleteState(document ?? names, rgw, { dryRun: Boolean(values['dry-run']) });
      else report = await applyState(document!, rgw, { dryRun: command === 'plan' || Boolean(values['dry-run']) });
      const text = formatReport(report, output);
      io.out(text.endsWith('\n') ? text : `${text}\n`);
      return report.ok ? 0 : 1;
    } finally {
      rgw.destroy();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`configure-notify: ${error.message}\n`);
      return 2;
    }
    if (error instanceof StateValidationError) {
      io.err(`configure-notify: ${error.message}\n`);
      return 2;
    }
    if (error instanceof FunctionError) {
      io.err(`configure-notify: ${error.message}\n`);
      return error.status === 400 ? 2 : 1;
    }
    io.err(`configure-notify: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function stateTable(doc: NotificationState): string {
  const rows: string[][] = [['KIND', 'NAME', 'DETAILS']];
  for (const t of doc.spec.topics) {
    const e = t.endpoint.http ?? t.endpoint.amqp ?? t.endpoint.kafka;
    rows.push(['topic', t.name, `${e?.uri ?? ''}${t.persistent ? ' (persistent)' : ''}`]);
  }
  for (const n of doc.spec.notifications) {
    const f = n.filter;
    const filters = [...(f?.keyFilters ?? []), ...(f?.metadataFilters ?? []), ...(f?.tagFilters ?? [])].map((r) => `${r.name}=${r.value}`);
    rows.push(['notification', `${n.bucket}/${n.id}`, `topic ${n.topic}; ${(n.events ?? []).join(',')}${filters.length ? `; ${filters.join(', ')}` : ''}`]);
  }
  const w = [0, 1].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]}`.trimEnd()).join('\n') + '\n';
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** True when this file is the program (node build/cli.js), not an import. */
function isMain(): boolean {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]!) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

/** Runs the command with this process's arguments and streams (bin/configure-notify.js calls it). */
export function runFromProcess(): void {
  main(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env, readStdin }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`configure-notify: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (isMain()) runFromProcess();
