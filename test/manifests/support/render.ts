// Renders kustomizations with the real `kubectl kustomize` (kustomize 5 built into kubectl).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { asK8sObject, type K8sObject } from './objects.ts';

const run = promisify(execFile);

export const KUBECTL_MISSING =
  'kubectl is required by the manifest tests (they render every overlay with `kubectl kustomize`) and was not found on PATH. ' +
  'Install it: Debian/Ubuntu `apt-get install -y kubectl` from the Kubernetes apt repository (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/), ' +
  'or download the release binary: curl -LO "https://dl.k8s.io/release/$(curl -Ls https://dl.k8s.io/release/stable.txt)/bin/linux/amd64/kubectl" && install -m 0755 kubectl /usr/local/bin/kubectl. ' +
  'Or set KUBECTL to its path.';

export const kubectlBin = (): string => process.env.KUBECTL ?? 'kubectl';

export interface KubectlVersion {
  client: string;
  kustomize: string;
}

/** The client and built-in kustomize versions; throws KUBECTL_MISSING when kubectl cannot run. */
export async function kubectlVersion(): Promise<KubectlVersion> {
  let stdout: string;
  try {
    ({ stdout } = await run(kubectlBin(), ['version', '--client', '-o', 'json'], { timeout: 30_000 }));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new Error(KUBECTL_MISSING, { cause: error });
    throw error;
  }
  const v = JSON.parse(stdout) as { clientVersion?: { gitVersion?: string }; kustomizeVersion?: string };
  return { client: v.clientVersion?.gitVersion ?? 'unknown', kustomize: v.kustomizeVersion ?? 'unknown' };
}

const cache = new Map<string, Promise<K8sObject[]>>();

/** `kubectl kustomize <dir>` parsed into objects (cached per directory within a test file). */
export function render(dir: string): Promise<K8sObject[]> {
  let p = cache.get(dir);
  if (!p) {
    p = renderUncached(dir);
    cache.set(dir, p);
  }
  return p;
}

export async function renderUncached(dir: string): Promise<K8sObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await run(kubectlBin(), ['kustomize', dir], { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }));
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(KUBECTL_MISSING, { cause: error });
    throw new Error(`kubectl kustomize ${dir} failed:\n${e.stderr ?? e.message}`, { cause: error });
  }
  return parseObjects(stdout, dir);
}

export function parseObjects(text: string, where: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${where}: YAML error: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(asK8sObject(value, where));
  }
  return objects;
}

/**
 * An overlay with kustomize Components added, as a user's own kustomization would write it
 * (`resources: [<overlay>]`, `components: [...]`, then `more` lines), rendered from a scratch directory.
 */
export async function renderComposed(overlay: string, components: string[], more: string[] = []): Promise<K8sObject[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bucket-ml-composed-'));
  try {
    const rel = (p: string): string => path.relative(dir, p);
    const text = ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', `resources: [${rel(overlay)}]`, `components: [${components.map(rel).join(', ')}]`, ...more, ''].join('\n');
    await writeFile(path.join(dir, 'kustomization.yaml'), text);
    return await renderUncached(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
