// The error table in functions/classify/README.md against the code and against Knative's retry rule:
// every failure classify can answer is listed with its status, and "retried" says what a Broker does.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNATIVE_RETRIED_4XX, knativeRetries } from '../../../test/support/knative-retries.ts';
import { repoRoot } from '../../../test/support/paths.ts';

const classifyDir = path.join(repoRoot, 'functions/classify');

interface Row {
  status: number;
  codes: string[];
  retried: boolean;
}

function tableRows(): Row[] {
  const readme = readFileSync(path.join(classifyDir, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));
  const rows = section.split('\n').filter((l) => /^\| \d{3} \|/.test(l));
  return rows.map((line) => {
    const [status, codes, retried] = line.split('|').slice(1, 4).map((c) => c.trim());
    expect(['yes', 'no'], line).toContain(retried);
    return { status: Number(status), codes: [...codes!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!), retried: retried === 'yes' };
  });
}

/**
 * Every (status, code) a delivery can be answered with, read from the code that raises them: classify's
 * own sources (not models/: model problems stop the process at start), core's S3 and HTTP mapping, the
 * lifecycle's not_ready, and the server entry in front of it (packages/core/src/runtime/front.ts).
 */
function raisedInCode(): Map<string, number> {
  const files = [
    ...readdirSync(path.join(classifyDir, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.startsWith('vendor') && !f.startsWith('models'))
      .map((f) => path.join(classifyDir, 'src', f)),
    path.join(repoRoot, 'packages/core/src/s3.ts'),
    path.join(repoRoot, 'packages/core/src/runtime/front.ts'),
    path.join(repoRoot, 'packages/core/src/lifecycle/not-ready.ts'),
  ];
  const found = new Map<string, number>();
  const add = (code: string, status: number, where: string): void => {
    expect(found.get(code) ?? status, `${code} raised with two statuses (${where})`).toBe(status);
    found.set(code, status);
  };
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/new FunctionError\(\s*(\d{3}),\s*'([a-z_]+)'/g)) add(m[2]!, Number(m[1]), file);
    for (const m of text.matchAll(/badRequest\(\s*'([a-z_]+)'/g)) add(m[1]!, 400, file);
    for (const m of text.matchAll(/unavailable\(\s*'([a-z_]+)'/g)) add(m[1]!, 503, file);
    for (const m of text.matchAll(/jsonResponse\((\d{3}), \{ error: \{ code: '([a-z_]+)'/g)) add(m[2]!, Number(m[1]), file);
  }
  // core's errorResponse answers anything unexpected this way (packages/core/src/http.ts)
  add('internal', 500, 'packages/core/src/http.ts');
  return found;
}

describe('the error table in the classify README', () => {
  const rows = tableRows();

  it('says "retried" exactly where Knative retries the status', () => {
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row.retried, `${row.status} ${row.codes.join(', ')}`).toBe(knativeRetries(row.status));
  });

  it('never answers a permanent failure with a status Knative retries (gone is 410, not 404)', () => {
    for (const row of rows) if (!row.retried) expect(KNATIVE_RETRIED_4XX).not.toContain(row.status);
  });

  it('lists every failure the code raises, with its status, and nothing else', () => {
    const documented = new Map(rows.flatMap((r) => r.codes.map((c) => [c, r.status] as const)));
    const raised = raisedInCode();
    expect(raised.size).toBeGreaterThan(10);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(raised));
  });
});
