// Each function's func.yaml (what `kn func deploy` deploys) agrees with the Knative Service the
// manifests deploy, and both agree with the function's code: its zod environment schema (imported
// from functions/<name>/src/config.ts at test time) and the health paths it serves.
import { describe, expect, it } from 'vitest';
import { compareFunction, configureNotifyParser, loadEnvSchema, readFuncYaml, requiredVariables, validateFuncYaml } from './support/functions.ts';
import { Graph } from './support/graph.ts';
import { clone, type Json, type K8sObject } from './support/objects.ts';
import { FUNCTIONS, OVERLAYS, overlayDir } from './support/paths.ts';
import { render } from './support/render.ts';

const ksvc = (g: Graph, name: string): K8sObject => {
  const s = g.knativeServices.find((x) => x.metadata.name === name);
  if (!s) throw new Error(`Knative Service ${name} not rendered`);
  return s;
};

describe.each(FUNCTIONS)('%s', (fn) => {
  it('func.yaml validates against the func.yaml schema of Knative Functions', () => {
    expect(validateFuncYaml(readFuncYaml(fn))).toEqual([]);
  });

  it('its environment schema is exported by src/config.ts', async () => {
    const { schema } = await loadEnvSchema(fn);
    expect(Object.keys(schema.shape).length).toBeGreaterThan(0);
  });

  for (const o of OVERLAYS) {
    it(`overlays/${o}: func.yaml and the Knative Service agree with each other and with the code`, { timeout: 60_000 }, async () => {
      const g = new Graph(await render(overlayDir(o)));
      const { schema } = await loadEnvSchema(fn);
      expect(await compareFunction(fn, readFuncYaml(fn), ksvc(g, fn), g, schema)).toEqual([]);
    });
  }
});

describe('the agreement check rejects each kind of drift (classify)', async () => {
  const g = new Graph(await render(overlayDir('rgw-cloudevents')));
  const { schema } = await loadEnvSchema('classify');
  const funcYaml = readFuncYaml('classify');
  /* eslint-disable @typescript-eslint/no-explicit-any -- mutations reach into untyped documents */
  const drift = async (mutateFunc: (f: any) => void, mutateSvc: (s: any) => void = () => {}, graph: Graph = g): Promise<string> => {
    const f = clone(funcYaml) as any;
    const s = clone(ksvc(graph, 'classify')) as any;
    mutateFunc(f);
    mutateSvc(s);
    return (await compareFunction('classify', f as Json, s as K8sObject, graph, schema)).join('\n');
  };
  const env = (s: any): any[] => s.spec.template.spec.containers[0].env;

  it('an environment variable classify does not read (in both files)', async () => {
    const problems = await drift(
      (f) => f.run.envs.push({ name: 'MODEL_URI', value: '{{ configMap:classify-config:MODEL_URL }}' }),
      (s) => env(s).push({ name: 'MODEL_URI', valueFrom: { configMapKeyRef: { name: 'classify-config', key: 'MODEL_URL' } } }),
    );
    expect(problems).toMatch(/env MODEL_URI: not a variable functions\/classify reads/);
  });

  it('a variable from a different key, and one set only on one side', async () => {
    const problems = await drift(
      (f) => {
        f.run.envs.find((e: any) => e.name === 'TOP_K').value = '{{ configMap:classify-config:LOG_LEVEL }}';
        f.run.envs = f.run.envs.filter((e: any) => e.name !== 'LOG_LEVEL');
      },
    );
    expect(problems).toMatch(/env TOP_K: func.yaml configMap classify-config:LOG_LEVEL, Service configMap classify-config:TOP_K/);
    expect(problems).toMatch(/env LOG_LEVEL: set by the Service, not by func.yaml/);
  });

  it('a required variable missing from both', async () => {
    expect(requiredVariables(schema)).toContain('MODEL_URL');
    const problems = await drift(
      (f) => (f.run.envs = f.run.envs.filter((e: any) => e.name !== 'MODEL_URL')),
      (s) => (s.spec.template.spec.containers[0].env = env(s).filter((e: any) => e.name !== 'MODEL_URL')),
    );
    expect(problems).toMatch(/env MODEL_URL: required by functions\/classify's schema, not set/);
  });

  it('configuration values the function would refuse at start', async () => {
    const bad = clone(g.objects);
    const cm = bad.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'classify-config') as any;
    cm.data.TOP_K = '0';
    cm.data.RESULTS_PREFIX = 'results';
    const problems = await drift(() => {}, () => {}, new Graph(bad));
    expect(problems).toMatch(/configuration rejected by functions\/classify's schema: TOP_K/);
    expect(problems).toMatch(/RESULTS_PREFIX: must end with \//);
  });

  it('health paths the function does not serve, and a probe that disagrees', async () => {
    const problems = await drift(
      (f) => (f.deploy.healthEndpoints.readiness = '/ready'),
      (s) => (s.spec.template.spec.containers[0].livenessProbe.httpGet.path = '/healthz'),
    );
    expect(problems).toMatch(/readiness: func.yaml \/ready, Service probe \/health\/readiness, served on \/health\/readiness/);
    expect(problems).toMatch(/liveness: func.yaml \/health\/liveness, Service probe \/healthz, served on \/health\/liveness/);
  });

  it('concurrency, resources, scale and visibility that differ', async () => {
    const problems = await drift((f) => {
      f.deploy.options.resources.limits.concurrency = 10;
      f.deploy.options.resources.requests.memory = '256Mi';
      f.deploy.options.scale.max = 20;
      f.deploy.labels = [];
    });
    expect(problems).toMatch(/concurrency: func.yaml 10, Service containerConcurrency 16/);
    expect(problems).toMatch(/resources.requests.memory: func.yaml 256Mi, Service 384Mi/);
    expect(problems).toMatch(/scale.max: func.yaml 20, Service autoscaling.knative.dev\/max-scale 8/);
    expect(problems).toMatch(/label networking.knative.dev\/visibility: Service cluster-local, func.yaml undefined/);
  });

  it('a builder setup that cannot build TypeScript with pack', async () => {
    const problems = await drift((f) => {
      f.build.builder = 'pack';
      f.build.buildEnvs = [];
    });
    expect(problems).toMatch(/build.builder: pack, expected s2i/);
    expect(problems).toMatch(/BP_NODE_RUN_SCRIPTS=build/);
    expect(problems).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
  });

  it('the func.yaml schema rejects an unknown field and a bad scale', () => {
    const f = clone(funcYaml) as any;
    f.deploy.options.scale.minimum = 0;
    f.deploy.options.scale.max = -1;
    const problems = validateFuncYaml(f).join('\n');
    expect(problems).toMatch(/minimum/);
    expect(problems).toMatch(/max must be >= 0/);
  });
});

describe('the configure-notify documents the overlays ship', async () => {
  const parseStateText = await configureNotifyParser();
  const documents = async (o: string): Promise<Array<[string, string]>> =>
    (await render(overlayDir(o)))
      .filter((x) => x.kind === 'ConfigMap' && x.metadata.name === 'configure-notify-state')
      .flatMap((cm) => Object.entries((cm as { data?: Record<string, string> }).data ?? {}));

  for (const o of OVERLAYS.filter((x) => x !== 'rook')) {
    it(`overlays/${o}: every document is valid for configure-notify's own parser`, async () => {
      const docs = await documents(o);
      expect(docs.length).toBe(1);
      for (const [, text] of docs) expect(() => parseStateText(text)).not.toThrow();
    });
  }

  it('a document configure-notify would refuse fails (unknown field, wrong scheme)', async () => {
    const [[, text]] = (await documents('rgw-cloudevents')) as [[string, string]];
    expect(() => parseStateText(text.replace('sendCloudEvents: true', 'cloudevents: true'))).toThrow(/cloudevents/);
    expect(() => parseStateText(text.replace('uri: http://', 'uri: ftp://'))).toThrow(/scheme ftp/);
  });
});
