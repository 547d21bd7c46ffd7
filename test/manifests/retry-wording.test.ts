// What the manifests and the deployment guide tell operators about retries must be what Knative does:
// it retries no answer, any 5xx, 404, 408, 409 and 429, and nothing else (knative/eventing
// pkg/kncloudevents/retries.go, SelectiveRetry). "4xx goes straight to the dead-letter sink" is wrong
// for four of them, and a 404 answered for a permanent failure is retried for nothing.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { knativeDir, repoRoot } from './support/paths.ts';

const RETRIED_4XX = ['404', '408', '409', '429'];

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? yamlFiles(p) : /\.(ya?ml|md)$/.test(e.name) ? [p] : [];
  });
}
const documents = (): Array<[string, string]> =>
  [...yamlFiles(knativeDir), path.join(repoRoot, 'docs/deploy.md')].map((f) => [path.relative(repoRoot, f), readFileSync(f, 'utf8')]);

/** Sentences (comment lines joined) that claim every 4xx skips retries. */
function claimsAll4xxFinal(text: string): string[] {
  const joined = text.replace(/\n\s*#\s*/g, ' ').replace(/\n(?!\n)/g, ' ');
  return joined.split(/(?<=\.)\s+/).filter((s) => /\b4xx\b/i.test(s) && /no retr|without retr|not retried|straight to the dead|at once/i.test(s) && !RETRIED_4XX.every((c) => s.includes(c)));
}

describe('retry wording in knative/ and docs/deploy.md', () => {
  it('nothing says that every 4xx skips retries', () => {
    const claims = documents().flatMap(([f, text]) => claimsAll4xxFinal(text).map((s) => `${f}: ${s.trim()}`));
    expect(claims).toEqual([]);
  });

  it("every classify Trigger's delivery comment names the statuses Knative retries", () => {
    const text = readFileSync(path.join(knativeDir, 'base/eventing/triggers-classify.yaml'), 'utf8');
    const deliveryComments = text.split(/\n {2}delivery:\n/).slice(1).map((part) => part.split('\n').filter((l) => l.trim().startsWith('#')).join(' '));
    expect(deliveryComments.length).toBeGreaterThanOrEqual(4);
    for (const c of deliveryComments) {
      for (const code of [...RETRIED_4XX, '5xx']) expect(c).toContain(code);
      expect(c).toMatch(/410/);
    }
  });

  it('the claim detector finds the wording this fixes', () => {
    expect(claimsAll4xxFinal('# classify answers 4xx for what cannot succeed (not an image, gone,\n    # forbidden): no retry, straight to the dead-letter sink.')).toHaveLength(1);
    expect(claimsAll4xxFinal('8. Dead-lettering: that 4xx answers go to `dead-letters` without retries and 5xx after the backoff')).toHaveLength(1);
  });
});
