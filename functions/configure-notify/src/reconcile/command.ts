import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, env, loadConfig, type ModelId } from '../vendor/core/index.js';
import { connectRgw, rgwEnvSchema, rgwOptionsFromEnv } from '../rgw/client.js';
import { parseStateText, type KeyFilterRule } from '../state/schema.js';
import { reconcileBucket, type ReconcileReport } from './reconcile.js';

export const RECONCILE_USAGE = `usage: configure-notify reconcile --bucket B [options]

Finds the objects of bucket B that have no classification result and sends each one, as the CloudEvent
an upload would have made, to the Broker ingress (or classify's URL).

options:
  -b, --bucket NAME        the bucket (env RECONCILE_BUCKET; required)
  -f, --file FILE          take the key filters from the notifications of B in this state document
      --prefix P / --suffix S / --regex R   key filters, as a notification's (regex: whole key);
                           instead of -f (env RECONCILE_KEY_PREFIX / _SUFFIX / _REGEX)
      --target URL         Broker ingress or classify URL (env RECONCILE_TARGET)
      --model NAME@VERSION only a result of this model counts (env RECONCILE_MODEL); default: any model
      --results-prefix P   classify's RESULTS_PREFIX (env RESULTS_PREFIX, default results/)
      --results-bucket B   classify's RESULTS_BUCKET (env RESULTS_BUCKET, default the bucket)
      --concurrency N      lookups and sends at once (default 4)
      --rate N             events sent per second at most (default 20)
      --start-after KEY    resume after KEY (each page prints the key to resume after)
      --dry-run            count what would be sent, send nothing
  -o, --output FORMAT      table | json (default table)
exit codes: 0 done (nothing failed), 1 some sends or lookups failed, 2 invalid input`;

/** What the scheduled run reads from its environment (flags win). */
export const reconcileEnvSchema = rgwEnvSchema.safeExtend({
  RECONCILE_BUCKET: z.string().min(1).optional(),
  RECONCILE_KEY_PREFIX: z.string().optional(),
  RECONCILE_KEY_SUFFIX: z.string().optional(),
  RECONCILE_KEY_REGEX: z.string().optional(),
  RECONCILE_TARGET: z.url({ protocol: /^https?$/ }).optional(),
  RECONCILE_MODEL: z.string().regex(/^[^@]+@[^@]+$/, 'must be NAME@VERSION').optional(),
  RECONCILE_CONCURRENCY: env.int(1, 256).default(4),
  RECONCILE_RATE: env.number().pipe(z.number().positive()).default(20),
  RESULTS_PREFIX: z
    .string()
    .default('results/')
    .refine((v) => v.endsWith('/'), 'must end with /'),
  RESULTS_BUCKET: z.string().optional(),
});

export interface ReconcileIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

export async function reconcileCommand(argv: string[], io: ReconcileIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        bucket: { type: 'string', short: 'b' },
        file: { type: 'string', short: 'f' },
        prefix: { type: 'string' },
        suffix: { type: 'string' },
        regex: { type: 'string' },
        target: { type: 'string' },
        model: { type: 'string' },
        'results-prefix': { type: 'string' },
        'results-bucket': { type: 'string' },
        concurrency: { type: 'string' },
        rate: { type: 'string' },
        'start-after': { type: 'string' },
        'dry-run': { type: 'boolean' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    void positionals;
    if (values.help) {
      io.out(`${RECONCILE_USAGE}\n`);
      return 0;
    }
    const e = loadConfig(reconcileEnvSchema, {
      ...io.env,
      ...defined({
        RECONCILE_BUCKET: values.bucket,
        RECONCILE_KEY_PREFIX: values.prefix,
        RECONCILE_KEY_SUFFIX: values.suffix,
        RECONCILE_KEY_REGEX: values.regex,
        RECONCILE_TARGET: values.target,
        RECONCILE_MODEL: values.model,
        RECONCILE_CONCURRENCY: values.concurrency,
        RECONCILE_RATE: values.rate,
        RESULTS_PREFIX: values['results-prefix'],
        RESULTS_BUCKET: values['results-bucket'],
      }),
    });
    const bucket = e.RECONCILE_BUCKET;
    if (!bucket) throw new UsageError('--bucket (or RECONCILE_BUCKET) is required');
    const output = values.output ?? 'table';
    if (output !== 'table' && output !== 'json') throw new UsageError('--output must be table or json');
    const dryRun = Boolean(values['dry-run']);
    if (!dryRun && !e.RECONCILE_TARGET) throw new UsageError('--target (or RECONCILE_TARGET) is required unless --dry-run');
    const keyFilters = values.file
      ? await filtersFromDocument(values.file, bucket)
      : flagFilters({ prefix: e.RECONCILE_KEY_PREFIX, suffix: e.RECONCILE_KEY_SUFFIX, regex: e.RECONCILE_KEY_REGEX });
    const rgw = connectRgw(rgwOptionsFromEnv(e));
    let report: ReconcileReport;
    try {
      report = await reconcileBucket(rgw.s3, {
        bucket,
        keyFilters,
        resultsPrefix: e.RESULTS_PREFIX,
        resultsBucket: e.RESULTS_BUCKET,
        model: e.RECONCILE_MODEL ? parseModel(e.RECONCILE_MODEL) : undefined,
        target: e.RECONCILE_TARGET,
        dryRun,
        concurrency: e.RECONCILE_CONCURRENCY,
        rate: e.RECONCILE_RATE,
        startAfter: values['start-after'],
        region: e.AWS_REGION,
        onPage: (p) => io.err(`page done: seen ${p.seen}, done ${p.done}, ${dryRun ? 'would send' : 'sent'} ${p.sent}, failed ${p.failed}; resume with --start-after '${p.startAfter}'\n`),
        onFailure: (key, error) => io.err(`failed: ${key}: ${error}\n`),
      });
    } finally {
      rgw.destroy();
    }
    io.out(output === 'json' ? `${JSON.stringify(report)}\n` : reportTable(report));
    return report.failed > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`configure-notify reconcile: ${error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message}\n`);
      return 2;
    }
    io.err(`configure-notify reconcile: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

export function parseModel(text: string): ModelId {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw new UsageError(`--model ${text}: expected NAME@VERSION`);
  return { name: text.slice(0, at), version: text.slice(at + 1) };
}

function flagFilters(values: { prefix?: string | undefined; suffix?: string | undefined; regex?: string | undefined }): KeyFilterRule[] {
  return (['prefix', 'suffix', 'regex'] as const).flatMap((name) => (values[name] ? [{ name, value: values[name] }] : []));
}

/** The key filters of the document's notification on this bucket (one; several would need a union). */
async function filtersFromDocument(file: string, bucket: string): Promise<KeyFilterRule[]> {
  const doc = parseStateText(await readFile(file, 'utf8'));
  const here = doc.spec.notifications.filter((n) => n.bucket === bucket && (n.events ?? ['s3:ObjectCreated:*']).some((ev) => ev.includes('ObjectCreated')));
  if (here.length !== 1) throw new UsageError(`${file} declares ${here.length} object-created notifications on ${bucket}; expected one`);
  return here[0]!.filter?.keyFilters ?? [];
}

function reportTable(r: ReconcileReport): string {
  const rows = [
    ['BUCKET', 'SEEN', 'DONE', r.dryRun ? 'WOULD SEND' : 'SENT', 'FAILED'],
    [r.bucket, String(r.seen), String(r.done), String(r.sent), String(r.failed)],
  ];
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((v, c) => v.padEnd(w[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}

const defined = (o: Record<string, string | undefined>): Record<string, string> => Object.fromEntries(Object.entries(o).filter((kv): kv is [string, string] => kv[1] !== undefined));
