// The example requests in functions/*/events/ are what the guides tell people to send with
// `func invoke` / `npm run invoke`: each one must be accepted by its running function.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type RunningFunction } from '../support/function-process.ts';
import { repoRoot, sharedPath } from '../support/paths.ts';
import { awsEnvFor, rgwAccess, s3For } from '../support/rgw-clients.ts';
import { answeredClass, exampleFiles, STANDARD_URL } from '../../functions/score/test/example-requests.ts';

const run = promisify(execFile);
const eventFiles = async (fn: string): Promise<string[]> =>
  (await readdir(path.join(repoRoot, 'functions', fn, 'events'))).filter((f) => f.endsWith('.json')).sort();
const post = async (url: string, file: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: await readFile(file) });

describe('score answers its example requests', () => {
  let fn: RunningFunction;
  let models: string;

  beforeAll(async () => {
    models = await mkdtemp(path.join(tmpdir(), 'score-examples-'));
    for (const kind of ['lda', 'mlp']) {
      await run(process.execPath, [
        path.join(repoRoot, 'functions/score/build/cli/import-sklearn.js'),
        '--in', sharedPath(`reference/eeg-letters/sklearn-${kind}.json`),
        '--out', models,
      ]);
    }
    fn = await startFunction('score', { MODEL_URL: `file://${models}/`, DEFAULT_MODEL: 'mlp' });
  }, 120_000);
  afterAll(async () => {
    await fn?.stop();
    await rm(models, { recursive: true, force: true });
  });

  it('every file in functions/score/events, at its standard URL and on /, gets the same 200 predicting row 23 as class A', async () => {
    const files = await eventFiles('score');
    expect(files).toEqual(exampleFiles());
    for (const file of files) {
      const url = STANDARD_URL[file];
      expect(url, `${file} has no standard URL in functions/score/test/example-requests.ts`).toBeDefined();
      const [atUrl, onRoot] = await Promise.all([url!, '/'].map((p) => post(`${fn.url}${p}`, path.join(repoRoot, 'functions/score/events', file))));
      const text = await atUrl!.text();
      expect(atUrl!.status, `${file} at ${url}: ${text}`).toBe(200);
      expect(JSON.parse(await onRoot!.text()), file).toEqual(JSON.parse(text));
      // Row 23 is labelled 0 ("A").
      expect(answeredClass(JSON.parse(text)), file).toBe(0);
    }
  });
});

describe('configure-notify answers its example requests', () => {
  let fn: RunningFunction;
  const token = 'example-events-token-0123456789';

  beforeAll(async () => {
    const rgw = rgwAccess();
    // The example plans a notification on bucket "photos" (the bucket of the guides): it must exist.
    const s3 = s3For(rgw);
    await s3.send(new CreateBucketCommand({ Bucket: 'photos' })).catch((e: { name?: string }) => {
      if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw e;
    });
    s3.destroy();
    fn = await startFunction('configure-notify', { ...awsEnvFor(rgw), CONFIGURE_NOTIFY_TOKEN: token });
  });
  afterAll(async () => {
    await fn?.stop();
  });

  it('every file in functions/configure-notify/events is a valid request (200, nothing written)', async () => {
    const files = await eventFiles('configure-notify');
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const res = await post(fn.url, path.join(repoRoot, 'functions/configure-notify/events', file), { authorization: `Bearer ${token}` });
      const body = (await res.json()) as { writes?: number; error?: unknown };
      expect(res.status, `${file}: ${JSON.stringify(body)}`).toBe(200);
      expect(body.writes ?? 0, file).toBe(0);
    }
  });
});
