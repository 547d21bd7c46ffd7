/** A kustomize overlay rendered exactly as `kubectl kustomize <dir>` renders it for the cluster. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { ManifestObject } from './topology.js';

const run = promisify(execFile);

export async function renderOverlay(dir: string, kubectl = process.env.KUBECTL ?? 'kubectl'): Promise<ManifestObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await run(kubectl, ['kustomize', dir], { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }));
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${kubectl} not found: the eventing stand-in renders ${dir} with \`kubectl kustomize\` (set KUBECTL to its path)`, { cause: error });
    throw new Error(`kubectl kustomize ${dir} failed:\n${e.stderr ?? e.message}`, { cause: error });
  }
  const objects: ManifestObject[] = [];
  for (const doc of parseAllDocuments(stdout)) {
    if (doc.errors.length > 0) throw new Error(`${dir}: YAML error: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as ManifestObject | null;
    if (value) objects.push(value);
  }
  return objects;
}
