// knative/components/monitoring with every overlay: the Prometheus operator's objects validate, the
// PodMonitor scrapes the functions' pods where faas-js-runtime serves /metrics, every metric the rules
// and the dashboard query is one the code exports (and every one exported is on the dashboard), and the
// alerts behave: `promtool check rules` and `promtool test rules` (test/manifests/monitoring/).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkCephSourceServices } from './support/cephsource-adapter.ts';
import { checkConfigKeys, checkDelivery, checkDestinations, checkPushEndpoints, checkRookNotifications, checkScaleToZero, checkTriggerBrokers, Graph } from './support/graph.ts';
import { checkModelAccess } from './support/model-access.ts';
import { arr, at, describeObject, type K8sObject, obj, str, strMap, the } from './support/objects.ts';
import { FUNCTIONS, knativeDir, manifestsTestDir, OVERLAYS, overlayDir, repoRoot } from './support/paths.ts';
import { renderComposed } from './support/render.ts';
import { validateObject } from './support/schemas.ts';

const run = promisify(execFile);
const component = path.join(knativeDir, 'components/monitoring');
const rendered = new Map<string, Promise<K8sObject[]>>();
const withMonitoring = (o: string): Promise<K8sObject[]> => {
  if (!rendered.has(o)) rendered.set(o, renderComposed(overlayDir(o), [component]));
  return rendered.get(o)!;
};
const CHECKS = [checkTriggerBrokers, checkDestinations, checkDelivery, checkPushEndpoints, checkConfigKeys, checkScaleToZero, checkCephSourceServices, checkRookNotifications, checkModelAccess];

const PROMTOOL_MISSING = 'promtool is required by test/manifests/monitoring.test.ts (Debian: apt-get install prometheus; .ci/run installs it)';

async function promtool(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.env.PROMTOOL ?? 'promtool', args, { cwd, timeout: 60_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error(PROMTOOL_MISSING, { cause: error });
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`, { cause: error });
  }
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: { expr: string; refId: string; datasource?: { uid?: string } }[];
}

const dashboardOf = (objs: K8sObject[]): { panels: Panel[]; templating: { list: { name: string }[] } } =>
  JSON.parse(strMap(the(objs, 'ConfigMap', 'bucket-ml-dashboard').data)['bucket-ml.json'] ?? 'null') as { panels: Panel[]; templating: { list: { name: string }[] } };
const ruleGroupsOf = (objs: K8sObject[]): { name: string; rules: { alert?: string; record?: string; expr: string }[] }[] =>
  arr(at(the(objs, 'PrometheusRule', 'bucket-ml'), 'spec.groups')) as never;
/** Dashboard variables replaced by a value, so that the queries are plain PromQL. */
const plainQuery = (expr: string): string => expr.replaceAll('$namespace', 'bucket-ml');

/** bucketml_* metric families named in PromQL text (histogram series suffixes dropped). */
const familiesIn = (text: string): string[] => [...new Set([...text.matchAll(/\bbucketml_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')))];

/** bucketml_* names the code defines: string literals in the metrics modules of the functions and core. */
async function familiesInCode(): Promise<string[]> {
  const roots = [path.join(repoRoot, 'packages/core/src'), ...FUNCTIONS.map((f) => path.join(repoRoot, 'functions', f, 'src'))];
  const names = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'vendor') await walk(p);
      else if (e.isFile() && e.name.endsWith('.ts') && dir.split(path.sep).includes('metrics')) for (const m of (await readFile(p, 'utf8')).matchAll(/['"`](bucketml_[a-z0-9_]+)['"`]/g)) names.add(m[1]!);
    }
  };
  for (const r of roots) await walk(r);
  return [...names].sort();
}

describe.each(OVERLAYS)('overlays/%s + components/monitoring', (o) => {
  it('every object validates against its schema, and every semantic check still passes', async () => {
    const objs = await withMonitoring(o);
    expect(objs.flatMap((x) => validateObject(x).map((p) => `${describeObject(x)}: ${p}`))).toEqual([]);
    expect(CHECKS.flatMap((c) => c(new Graph(objs)))).toEqual([]);
    for (const kind of ['PodMonitor', 'PrometheusRule']) expect(objs.filter((x) => x.kind === kind).map((x) => x.metadata.namespace)).toEqual(['bucket-ml']);
  });

  it("the PodMonitor selects exactly the functions' Knative Services, on the user container's port", async () => {
    const objs = await withMonitoring(o);
    const monitor = the(objs, 'PodMonitor', 'bucket-ml-functions');
    const functionServices = objs.filter((x) => x.apiVersion === 'serving.knative.dev/v1' && x.kind === 'Service' && (FUNCTIONS as readonly string[]).includes(x.metadata.name)).map((x) => x.metadata.name);
    const expressions = arr(at(monitor, 'spec.selector.matchExpressions')).map(obj);
    expect(expressions).toEqual([{ key: 'serving.knative.dev/service', operator: 'In', values: expect.any(Array) }]);
    expect([...arr(expressions[0]?.values)].sort()).toEqual([...functionServices].sort());
    expect(at(monitor, 'spec.selector.matchLabels')).toBeUndefined();
    const endpoints = arr(at(monitor, 'spec.podMetricsEndpoints')).map(obj);
    // Knative names the user container's port `user-port` in each revision's pods (knative/serving
    // pkg/apis/serving/k8s_lifecycle.go, UserPortName); the Services route to queue-proxy instead.
    expect(endpoints.map((e) => e.port)).toEqual(['user-port']);
    // the path faas-js-runtime serves metrics on (lib/request-handler.js METRICS_URL)
    const handler = await readFile(path.join(repoRoot, 'node_modules/faas-js-runtime/lib/request-handler.js'), 'utf8');
    expect(endpoints[0]?.path).toBe(/const METRICS_URL = '([^']+)'/.exec(handler)?.[1]);
  });
});

describe('components/monitoring', () => {
  let scratch: string;
  let objs: K8sObject[];
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'bucket-ml-promtool-'));
    objs = await withMonitoring('rook');
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('the alert rules are valid PromQL and pass their unit tests (promtool test rules)', async () => {
    await writeFile(path.join(scratch, 'rules.yaml'), stringify({ groups: ruleGroupsOf(objs) }));
    await copyFile(path.join(manifestsTestDir, 'monitoring/alerts.test.yaml'), path.join(scratch, 'alerts.test.yaml'));
    expect(await promtool(['check', 'rules', 'rules.yaml'], scratch)).toMatch(/SUCCESS: \d+ rules found/);
    expect(await promtool(['test', 'rules', 'alerts.test.yaml'], scratch)).toMatch(/SUCCESS/);
  });

  it('every alert has a unit test that sees it fire', async () => {
    const tests = await readFile(path.join(manifestsTestDir, 'monitoring/alerts.test.yaml'), 'utf8');
    const alerts = ruleGroupsOf(objs).flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    // a test that expects the alert with labels (not only `exp_alerts: []`)
    for (const a of alerts) expect(tests, a).toMatch(new RegExp(`alertname: ${a}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
  });

  it("every dashboard query is valid PromQL (promtool parses each as a recording rule)", async () => {
    const panels = dashboardOf(objs).panels.filter((p) => p.type !== 'row');
    const rules = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ record: `dashboard:panel_${p.id}_${t.refId}`, expr: plainQuery(t.expr) })));
    expect(rules.length).toBeGreaterThan(10);
    await writeFile(path.join(scratch, 'dashboard-queries.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    expect(await promtool(['check', 'rules', 'dashboard-queries.yaml'], scratch)).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it('the dashboard is well formed: one data source variable, unique ids, panels inside the 24-column grid', () => {
    const dashboard = dashboardOf(objs);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace']);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.expr, p.title).toContain('namespace="$namespace"');
    }
    const labels = obj(at(the(objs, 'ConfigMap', 'bucket-ml-dashboard'), 'metadata.labels'));
    expect(str(labels.grafana_dashboard)).toBe('1');
  });

  it('the rules and the dashboard query only metrics the code exports, and the dashboard shows every one', async () => {
    const exported = await familiesInCode();
    expect(exported.length).toBeGreaterThan(5);
    const rulesText = ruleGroupsOf(objs).map((r) => JSON.stringify(r)).join('\n');
    const dashboardText = dashboardOf(objs).panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    expect(familiesIn(rulesText).filter((n) => !exported.includes(n))).toEqual([]);
    expect(familiesIn(dashboardText).filter((n) => !exported.includes(n))).toEqual([]);
    expect(exported.filter((n) => !familiesIn(dashboardText).includes(n))).toEqual([]);
  });
});
