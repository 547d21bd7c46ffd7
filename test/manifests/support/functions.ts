// A function's own code and func.yaml, against the Knative Service the manifests deploy it as.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { z } from 'zod';
import { formatErrors, newAjv } from './crd-schema.ts';
import { declaredKeys, type Graph } from './graph.ts';
import { arr, at, isObject, str, strMap, type Json, type K8sObject } from './objects.ts';
import { functionDir, manifestsTestDir } from './paths.ts';

type ZodObjectLike = z.ZodObject<z.ZodRawShape>;

const isZodObject = (v: unknown): v is ZodObjectLike =>
  typeof v === 'object' && v !== null && 'shape' in v && typeof (v as { safeParse?: unknown }).safeParse === 'function';

/**
 * The zod schema a function parses its environment with, imported from its own src/config.ts at test
 * time (never a copy). The export is found by shape: the single exported zod object, or the one named
 * *EnvSchema / configSchema when there are several.
 */
export async function loadEnvSchema(fn: string): Promise<{ name: string; schema: ZodObjectLike }> {
  const file = path.join(functionDir(fn), 'src/config.ts');
  if (!existsSync(file)) throw new Error(`functions/${fn}/src/config.ts does not exist: the function must export the zod schema of its environment there`);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const candidates = Object.entries(mod).filter((e): e is [string, ZodObjectLike] => isZodObject(e[1]));
  const named = candidates.filter(([n]) => /EnvSchema$|^configSchema$/.test(n));
  const pick = candidates.length === 1 ? candidates : named;
  if (pick.length !== 1) {
    throw new Error(`functions/${fn}/src/config.ts: expected one exported zod object schema (or one named *EnvSchema/configSchema), found ${candidates.map(([n]) => n).join(', ') || 'none'}`);
  }
  return { name: pick[0]![0], schema: pick[0]![1] };
}

/**
 * Variables a function reads without declaring them in its schema: the AWS SDK's default credential
 * chain reads these itself (packages/core/src/s3.ts leaves credentials to it).
 */
export const SDK_CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/**
 * Variables faas-js-runtime itself reads (FUNC_BODY_LIMIT, FUNC_LOG_LEVEL, LIVENESS_URL, ...), taken
 * from the source of the runtime the function depends on.
 */
export function runtimeVariables(fn: string): Set<string> {
  const req = createRequire(path.join(functionDir(fn), 'package.json'));
  const dir = path.dirname(req.resolve('faas-js-runtime/package.json'));
  const files = ['index.js', 'bin/cli.js', ...readdirSync(path.join(dir, 'lib')).filter((f) => f.endsWith('.js')).map((f) => `lib/${f}`)];
  const names = new Set<string>();
  for (const f of files) {
    if (!existsSync(path.join(dir, f))) continue;
    for (const m of readFileSync(path.join(dir, f), 'utf8').matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)) names.add(m[1]!);
  }
  return names;
}

/** Variables the schema requires (parsing an empty environment reports them). */
export function requiredVariables(schema: ZodObjectLike): string[] {
  const r = schema.safeParse({});
  if (r.success) return [];
  return [...new Set(r.error.issues.filter((i) => i.path.length === 1).map((i) => String(i.path[0])))].filter((k) => k in schema.shape);
}

/** How a container gets one environment variable. */
export type EnvSource =
  | { from: 'value'; value: string }
  | { from: 'configMap' | 'secret'; name: string; key: string }
  | { from: 'local'; variable: string }
  | { from: 'import'; kind: 'configMap' | 'secret'; name: string }
  | { from: 'other'; text: string };

export const describeSource = (s: EnvSource): string =>
  s.from === 'value'
    ? `"${s.value}"`
    : s.from === 'local'
      ? `local $${s.variable}`
      : s.from === 'other'
        ? s.text
        : s.from === 'import'
          ? `every key of ${s.kind} ${s.name}`
          : `${s.from} ${s.name}:${s.key}`;
const importKey = (kind: string, name: string): string => `(every key of ${kind} ${name})`;

export function containerEnv(ksvc: K8sObject): Map<string, EnvSource> {
  const c = at(ksvc, 'spec.template.spec.containers.0');
  const env = new Map<string, EnvSource>();
  for (const e of arr(at(c, 'env'))) {
    const name = str(at(e, 'name'))!;
    const cm = at(e, 'valueFrom.configMapKeyRef');
    const sk = at(e, 'valueFrom.secretKeyRef');
    if (cm) env.set(name, { from: 'configMap', name: str(at(cm, 'name'))!, key: str(at(cm, 'key'))! });
    else if (sk) env.set(name, { from: 'secret', name: str(at(sk, 'name'))!, key: str(at(sk, 'key'))! });
    else if (at(e, 'valueFrom') !== undefined) env.set(name, { from: 'other', text: JSON.stringify(at(e, 'valueFrom')) });
    else env.set(name, { from: 'value', value: str(at(e, 'value')) ?? '' });
  }
  for (const ef of arr(at(c, 'envFrom'))) {
    const cm = str(at(ef, 'configMapRef.name'));
    const sec = str(at(ef, 'secretRef.name'));
    if (at(ef, 'prefix') !== undefined) env.set(`(envFrom ${JSON.stringify(ef)})`, { from: 'other', text: JSON.stringify(ef) });
    else if (cm) env.set(importKey('configMap', cm), { from: 'import', kind: 'configMap', name: cm });
    else if (sec) env.set(importKey('secret', sec), { from: 'import', kind: 'secret', name: sec });
  }
  return env;
}

// knative/func pkg/functions/function.go: the templates of run.envs values.
const KEY_FROM_SECRET = /^{{\s*secret:((?:\w|['-]\w)+):([-._a-zA-Z0-9]+)\s*}}$/;
const KEY_FROM_CONFIGMAP = /^{{\s*configMap:((?:\w|['-]\w)+):([-._a-zA-Z0-9]+)\s*}}$/;
const LOCAL_ENV = /^{{\s*env:(\w+)\s*}}$/;
const WHOLE_SECRET = /^{{\s*secret:((?:\w|['-]\w)+)\s*}}$/;
const WHOLE_CONFIGMAP = /^{{\s*configMap:((?:\w|['-]\w)+)\s*}}$/;

export function funcYamlEnv(funcYaml: Json): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  for (const e of arr(at(funcYaml, 'run.envs'))) {
    const name = str(at(e, 'name'));
    const value = str(at(e, 'value')) ?? '';
    if (!name) {
      let w: RegExpExecArray | null;
      if ((w = WHOLE_CONFIGMAP.exec(value))) env.set(importKey('configMap', w[1]!), { from: 'import', kind: 'configMap', name: w[1]! });
      else if ((w = WHOLE_SECRET.exec(value))) env.set(importKey('secret', w[1]!), { from: 'import', kind: 'secret', name: w[1]! });
      else env.set(`(${value})`, { from: 'other', text: value });
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = KEY_FROM_SECRET.exec(value))) env.set(name, { from: 'secret', name: m[1]!, key: m[2]! });
    else if ((m = KEY_FROM_CONFIGMAP.exec(value))) env.set(name, { from: 'configMap', name: m[1]!, key: m[2]! });
    else if ((m = LOCAL_ENV.exec(value))) env.set(name, { from: 'local', variable: m[1]! });
    else env.set(name, { from: 'value', value });
  }
  return env;
}

let funcValidator: ValidateFunction | undefined;
/** func.yaml against Knative Functions' JSON schema (schemas/func_yaml-schema.json). */
export function validateFuncYaml(doc: Json): string[] {
  funcValidator ??= newAjv().compile(JSON.parse(readFileSync(path.join(manifestsTestDir, 'schemas/func_yaml-schema.json'), 'utf8')) as object);
  return funcValidator(doc) ? [] : formatErrors(funcValidator);
}

export function readFuncYaml(fn: string): Json {
  const file = path.join(functionDir(fn), 'func.yaml');
  if (!existsSync(file)) throw new Error(`functions/${fn}/func.yaml does not exist (kn func deploy needs it; it must agree with knative/base/services/${fn}.yaml)`);
  return parse(readFileSync(file, 'utf8')) as Json;
}

/**
 * The paths faas-js-runtime serves a function's health checks on: the handler's own `path`, else the
 * LIVENESS_URL/READINESS_URL variables, else the runtime's defaults, read from the faas-js-runtime the
 * function depends on (lib/health-check.js).
 */
export async function servedHealthPaths(fn: string, env: Record<string, string>): Promise<{ liveness: string; readiness: string }> {
  const req = createRequire(path.join(functionDir(fn), 'package.json'));
  const runtimeDir = path.dirname(req.resolve('faas-js-runtime/package.json'));
  const source = readFileSync(path.join(runtimeDir, 'lib/health-check.js'), 'utf8');
  const constant = (name: string): string => {
    const m = new RegExp(`const ${name} = '([^']+)'`).exec(source);
    if (!m) throw new Error(`faas-js-runtime lib/health-check.js: no ${name} default found`);
    return m[1]!;
  };
  const mod = (await import(pathToFileURL(path.join(functionDir(fn), 'src/index.ts')).href)) as Record<string, unknown>;
  const handlerPath = (name: string): string | undefined => {
    const h = mod[name];
    const p = typeof h === 'function' ? (h as unknown as { path?: unknown }).path : undefined;
    return typeof p === 'string' ? p : undefined;
  };
  for (const name of ['handle', 'liveness', 'readiness']) {
    if (typeof mod[name] !== 'function') throw new Error(`functions/${fn}/src/index.ts exports no ${name} function`);
  }
  return {
    liveness: handlerPath('liveness') ?? env.LIVENESS_URL ?? constant('LIVENESS_URL'),
    readiness: handlerPath('readiness') ?? env.READINESS_URL ?? constant('READINESS_URL'),
  };
}

/** What a Secret's value stands for here: its real value is only on the cluster. */
export const SECRET_STAND_IN = 'secret-value-known-only-on-the-cluster';

/** The environment a Service's container would see, from the render (Secrets: a stand-in value). */
export function renderedEnvironment(g: Graph, ksvc: K8sObject): Record<string, string> {
  const out: Record<string, string> = {};
  const ns = ksvc.metadata.namespace;
  // envFrom first: explicit env entries win over imported keys, as in Kubernetes.
  for (const [, src] of containerEnv(ksvc)) {
    if (src.from !== 'import') continue;
    if (src.kind === 'configMap') Object.assign(out, strMap(g.find('v1', 'ConfigMap', src.name, ns)?.data));
    for (const k of declaredKeys(g, src.kind === 'configMap' ? 'ConfigMap' : 'Secret', src.name, ns) ?? []) out[k] ??= SECRET_STAND_IN;
  }
  for (const [name, src] of containerEnv(ksvc)) {
    if (src.from === 'value') out[name] = src.value;
    else if (src.from === 'configMap') {
      const cm = g.find('v1', 'ConfigMap', src.name, ksvc.metadata.namespace);
      const v = cm ? strMap(cm.data)[src.key] : undefined;
      if (v !== undefined) out[name] = v;
    } else if (src.from === 'secret') {
      if (declaredKeys(g, 'Secret', src.name, ksvc.metadata.namespace)?.has(src.key)) out[name] = SECRET_STAND_IN;
    }
  }
  return out;
}

/** Where func.yaml and the Knative Service disagree, or disagree with the function's code. */
export async function compareFunction(fn: string, funcYaml: Json, ksvc: K8sObject, g: Graph, schema: ZodObjectLike): Promise<string[]> {
  const p: string[] = [];
  const schemaKeys = new Set(Object.keys(schema.shape));

  if (str(at(funcYaml, 'name')) !== ksvc.metadata.name) p.push(`name: func.yaml ${str(at(funcYaml, 'name'))}, Service ${ksvc.metadata.name}`);
  const ns = str(at(funcYaml, 'namespace')) ?? str(at(funcYaml, 'deploy.namespace'));
  if (ns !== ksvc.metadata.namespace) p.push(`namespace: func.yaml ${ns}, Service ${ksvc.metadata.namespace}`);
  if (str(at(funcYaml, 'runtime')) !== 'typescript') p.push(`runtime: ${str(at(funcYaml, 'runtime'))}, expected typescript`);

  // Environment: same entries from the same places (func.yaml `{{ configMap:name }}` is envFrom), and
  // every variable one the function reads: its schema, the AWS SDK's credentials, faas-js-runtime's own.
  const fromFunc = funcYamlEnv(funcYaml);
  const fromSvc = containerEnv(ksvc);
  for (const name of new Set([...fromFunc.keys(), ...fromSvc.keys()])) {
    const a = fromFunc.get(name);
    const b = fromSvc.get(name);
    if (!a) p.push(`env ${name}: set by the Service, not by func.yaml`);
    else if (!b) p.push(`env ${name}: set by func.yaml, not by the Service`);
    else if (describeSource(a) !== describeSource(b)) p.push(`env ${name}: func.yaml ${describeSource(a)}, Service ${describeSource(b)}`);
  }
  const env = renderedEnvironment(g, ksvc);
  const runtime = runtimeVariables(fn);
  for (const name of Object.keys(env)) {
    if (!schemaKeys.has(name) && !SDK_CREDENTIAL_VARIABLES.includes(name) && !runtime.has(name)) {
      p.push(`env ${name}: not a variable functions/${fn} reads (its schema knows ${[...schemaKeys].join(', ')})`);
    }
  }
  for (const [name, src] of fromSvc) if (src.from === 'other') p.push(`env ${name}: a source these checks cannot follow (${src.text})`);
  for (const req of requiredVariables(schema)) if (env[req] === undefined) p.push(`env ${req}: required by functions/${fn}'s schema, not set`);
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) p.push(...parsed.error.issues.map((i) => `configuration rejected by functions/${fn}'s schema: ${i.path.join('.')}: ${i.message}`));

  // Health endpoints: func.yaml = Service probes = what the runtime serves for this function.
  const served = await servedHealthPaths(fn, env);
  for (const kind of ['liveness', 'readiness'] as const) {
    const inFunc = str(at(funcYaml, `deploy.healthEndpoints.${kind}`));
    const inSvc = str(at(ksvc, `spec.template.spec.containers.0.${kind}Probe.httpGet.path`));
    if (inFunc !== served[kind] || inSvc !== served[kind]) p.push(`${kind}: func.yaml ${inFunc}, Service probe ${inSvc}, served on ${served[kind]}`);
  }

  // Concurrency, resources, scale.
  const cc = at(funcYaml, 'deploy.options.resources.limits.concurrency');
  if (cc !== at(ksvc, 'spec.template.spec.containerConcurrency')) p.push(`concurrency: func.yaml ${String(cc)}, Service containerConcurrency ${String(at(ksvc, 'spec.template.spec.containerConcurrency'))}`);
  for (const k of ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']) {
    const a = at(funcYaml, `deploy.options.resources.${k}`);
    const b = at(ksvc, `spec.template.spec.containers.0.resources.${k}`);
    if (String(a) !== String(b)) p.push(`resources.${k}: func.yaml ${String(a)}, Service ${String(b)}`);
  }
  const ann = strMap(at(ksvc, 'spec.template.metadata.annotations'));
  const scale: Array<[string, string, string | undefined]> = [
    ['min', 'min-scale', '0'],
    ['max', 'max-scale', '0'],
    ['metric', 'metric', 'concurrency'],
    ['target', 'target', undefined],
    ['utilization', 'target-utilization-percentage', undefined],
  ];
  for (const [field, annotation, dflt] of scale) {
    const a = at(funcYaml, `deploy.options.scale.${field}`);
    const b = ann[`autoscaling.knative.dev/${annotation}`];
    const norm = (v: unknown): string | undefined => (v === undefined || v === null ? dflt : String(v));
    if (norm(a) !== norm(b)) p.push(`scale.${field}: func.yaml ${String(a)}, Service autoscaling.knative.dev/${annotation} ${String(b)}`);
  }

  // Labels func deploy puts on the Service (visibility included).
  const labels = strMap(ksvc.metadata.labels);
  const funcLabels = Object.fromEntries(arr(at(funcYaml, 'deploy.labels')).filter(isObject).map((l) => [str(l.key)!, str(l.value) ?? '']));
  for (const [k, v] of Object.entries(funcLabels)) if (labels[k] !== v) p.push(`label ${k}: func.yaml ${v}, Service ${labels[k]}`);
  const vis = 'networking.knative.dev/visibility';
  if (labels[vis] !== undefined && funcLabels[vis] !== labels[vis]) p.push(`label ${vis}: Service ${labels[vis]}, func.yaml ${funcLabels[vis]}`);

  // Builders: s2i by default, pack configured to run the build script.
  if (str(at(funcYaml, 'build.builder')) !== 's2i') p.push(`build.builder: ${str(at(funcYaml, 'build.builder'))}, expected s2i (the OpenShift default)`);
  const buildEnvs = Object.fromEntries(arr(at(funcYaml, 'build.buildEnvs')).map((e) => [str(at(e, 'name')), str(at(e, 'value'))]));
  if (buildEnvs.BP_NODE_RUN_SCRIPTS !== 'build') p.push('build.buildEnvs: BP_NODE_RUN_SCRIPTS=build is needed for pack to compile TypeScript');
  // onnxruntime-node's postinstall downloads CUDA libraries unless told not to; builders cannot reach that host.
  const pkg = JSON.parse(readFileSync(path.join(functionDir(fn), 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  if (pkg.dependencies?.['onnxruntime-node'] && buildEnvs.ONNXRUNTIME_NODE_INSTALL !== 'skip') p.push('build.buildEnvs: ONNXRUNTIME_NODE_INSTALL=skip is needed (onnxruntime-node would download CUDA libraries)');
  return p;
}

/**
 * configure-notify's own document parser (functions/configure-notify/src/state/schema.ts), so the
 * documents the overlays ship are checked by the code that will apply them.
 */
export async function configureNotifyParser(): Promise<(text: string) => unknown> {
  const file = path.join(functionDir('configure-notify'), 'src/state/schema.ts');
  if (!existsSync(file)) throw new Error('functions/configure-notify/src/state/schema.ts does not exist: configure-notify must export parseStateText(text) there');
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const parse = mod.parseStateText;
  if (typeof parse !== 'function') throw new Error('functions/configure-notify/src/state/schema.ts exports no parseStateText(text)');
  return parse as (text: string) => unknown;
}
