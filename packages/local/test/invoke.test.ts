// `npm run invoke` sends what `func invoke` sends: the real command, against a recording endpoint.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goMarshal } from '../src/invoke.ts';
import { repoRoot } from '../src/run/paths.ts';
import { freePort } from '../src/run/ports.ts';

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

function invoke(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'invoke', '--', ...args], { cwd: repoRoot, env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run invoke', () => {
  const seen: Seen[] = [];
  let url: string;
  let reply: (s: Seen) => { status: number; headers: Record<string, string>; body: string } = () => ({ status: 200, headers: {}, body: '' });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s = { headers: req.headers, body };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status, r.headers).end(r.body);
    });
  });
  const eventFile = path.join(repoRoot, 'functions/classify/events/rgw-put.json');

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('--format http: POSTs the event file unchanged with Content-Type application/json', async () => {
    seen.length = 0;
    reply = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"outcomes":[{"status":"classified"}]}' });
    const out = await invoke(['classify', 'events/rgw-put.json', '--format', 'http', '--url', url]);
    expect(out.code).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toBe(await readFile(eventFile, 'utf8'));
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(Object.keys(seen[0]!.headers).filter((h) => h.startsWith('ce-'))).toEqual([]);
    expect(out.stdout).toContain('Received response');
    expect(out.stdout).toContain('"classified"');
  });

  it('--format cloudevent: a binary CloudEvent with func defaults and the JSON re-marshalled as Go does; prints the reply event', async () => {
    seen.length = 0;
    reply = () => ({
      status: 200,
      headers: { 'ce-specversion': '1.0', 'ce-id': 'r1', 'ce-type': 'io.bucketml.classification.completed.v1', 'ce-source': '/bucket-ml/classify', 'ce-bmlconfidence': 'high', 'content-type': 'application/json' },
      body: '{"top":{"label":"malamute","score":0.42}}',
    });
    const out = await invoke(['classify', 'events/cephsource-put.json', '--format', 'cloudevent', '--url', url]);
    expect(out.code).toBe(0);
    const h = seen[0]!.headers;
    expect(h['ce-specversion']).toBe('1.0');
    expect(h['ce-type']).toBe('boson.fn');
    expect(h['ce-source']).toBe('/boson/fn');
    expect(h['ce-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(h['content-type']).toBe('application/json');
    const file = JSON.parse(await readFile(path.join(repoRoot, 'functions/classify/events/cephsource-put.json'), 'utf8')) as unknown;
    expect(seen[0]!.body).toBe(goMarshal(file));
    expect(JSON.parse(seen[0]!.body)).toEqual(file);
    expect(Object.keys(JSON.parse(seen[0]!.body) as object)).toEqual(Object.keys(file as object).sort());
    expect(out.stdout).toContain('Context Attributes,');
    expect(out.stdout).toContain('  type: io.bucketml.classification.completed.v1');
    expect(out.stdout).toMatch(/Extensions,\n {2}bmlconfidence: high/);
    expect(out.stdout).toContain('"label": "malamute"');
  });

  it('passes --type, --source and --id, and exits 1 showing the body when the function answers 4xx', async () => {
    seen.length = 0;
    reply = () => ({ status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":{"code":"unsupported_event"}}' });
    const out = await invoke(['classify', '--format', 'cloudevent', '--type', 'com.amazonaws.ObjectCreated:Put', '--source', 'ceph:s3..photos', '--id', 'my-id', '--url', url]);
    expect(out.code).toBe(1);
    expect(seen[0]!.headers).toMatchObject({ 'ce-type': 'com.amazonaws.ObjectCreated:Put', 'ce-source': 'ceph:s3..photos', 'ce-id': 'my-id' });
    expect(seen[0]!.body).toBe('{"message":"Hello World"}'); // func's default data
    expect(out.stdout).toContain('unsupported_event');
    expect(out.stderr).toContain('HTTP 400');
  });

  it("uses the function's own format from func.yaml when none is given (classify: cloudevent), and sends --header", async () => {
    seen.length = 0;
    reply = () => ({ status: 200, headers: {}, body: '' });
    const out = await invoke(['classify', 'events/rgw-put.json', '--url', url, '--header', 'Authorization: Bearer t0ken']);
    expect(out.code).toBe(0);
    expect(seen[0]!.headers['ce-type']).toBe('boson.fn');
    expect(seen[0]!.headers.authorization).toBe('Bearer t0ken');
    expect(JSON.parse(seen[0]!.body)).toEqual(JSON.parse(await readFile(eventFile, 'utf8')));
  });

  it('says what is wrong with a missing file or an unreachable function', async () => {
    const missing = await invoke(['classify', 'events/nope.json', '--url', url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no event file events/nope.json');
    const down = await invoke(['classify', 'events/rgw-put.json', '--url', `http://127.0.0.1:${await freePort()}/`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/ECONNREFUSED.*npm start, or func run/);
  });
});
