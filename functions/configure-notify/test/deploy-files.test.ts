// What configure-notify ships besides code agrees with the code: the Job runs the CLI on the mounted
// document and stops retrying on its "invalid input" exit code, the example document is valid, and
// func.yaml's health endpoints and variables are the ones the function serves and reads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/support/paths.ts';
import { functionEnvSchema } from '../src/config.ts';
import { parseStateText } from '../src/state/schema.ts';

const read = (...p: string[]) => parse(readFileSync(path.join(repoRoot, ...p), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('knative/jobs/configure-notify-job.yaml', () => {
  const job = read('knative/jobs/configure-notify-job.yaml');
  const pod = job.spec.template.spec;
  const container = pod.containers[0];

  it('runs `configure-notify apply -f` on the document mounted from the ConfigMap', () => {
    expect(container.command.slice(0, 5)).toEqual(['node', 'build/cli.js', 'apply', '-f', '/etc/configure-notify/state.yaml']);
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'state');
    expect(mount.mountPath).toBe('/etc/configure-notify');
    const volume = pod.volumes.find((v: { name: string }) => v.name === 'state');
    expect(volume.configMap).toEqual({ name: 'configure-notify-state', items: [{ key: 'state.yaml', path: 'state.yaml' }] });
  });

  it('does not retry an invalid document (the CLI exits 2 for invalid input)', () => {
    expect(pod.restartPolicy).toBe('Never');
    expect(job.spec.podFailurePolicy.rules[0]).toEqual({ action: 'FailJob', onExitCodes: { containerName: container.name, operator: 'In', values: [2] } });
  });

  it('takes RGW credentials from a Secret, nothing secret inline', () => {
    const env = Object.fromEntries(container.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e]));
    expect(env.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef.key).toBe('AWS_ACCESS_KEY_ID');
    expect(env.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef.key).toBe('AWS_SECRET_ACCESS_KEY');
    expect(container.env.every((e: { value?: string }) => e.value === undefined)).toBe(true);
  });

  it('the example ConfigMap holds a valid document', () => {
    const cm = read('knative/jobs/configure-notify-state.example.yaml');
    expect(cm.metadata.name).toBe('configure-notify-state');
    expect(parseStateText(cm.data['state.yaml']).spec.notifications).toHaveLength(1);
  });
});

describe('functions/configure-notify/func.yaml', () => {
  const func = read('functions/configure-notify/func.yaml');

  it('is an s2i typescript function whose health endpoints are faas-js-runtime\'s defaults (the exports have no custom path)', async () => {
    expect(func).toMatchObject({ name: 'configure-notify', runtime: 'typescript', build: { builder: 's2i' } });
    expect(func.deploy.healthEndpoints).toEqual({ liveness: '/health/liveness', readiness: '/health/readiness' });
    const mod = (await import('../src/index.ts')) as { liveness: { path?: string }; readiness: { path?: string } };
    expect([mod.liveness.path, mod.readiness.path]).toEqual([undefined, undefined]);
  });

  it('sets the token and the RGW credentials from Secrets, and only variables the function reads', () => {
    const envs = func.run.envs as Array<{ name: string; value: string }>;
    const byName = Object.fromEntries(envs.map((e) => [e.name, e.value]));
    for (const secret of ['CONFIGURE_NOTIFY_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) expect(byName[secret]).toMatch(/^\{\{ secret:[\w-]+:[\w-]+ \}\}$/);
    const known = Object.keys(functionEnvSchema.shape);
    for (const e of envs) expect(known, e.name).toContain(e.name);
  });
});
