import {
  formatLocation,
  isFolderLocation,
  listLocation,
  parseLocation,
  readLocation,
  type Location,
  type LocationDeps,
} from '../vendor/core/index.js';
import type { TabularModel } from '../models/model.js';
import { ArtifactError, modelFromArtifact } from './convert.js';
import { artifactSchema, type Artifact } from './schema.js';
import { verificationProblems } from './verify.js';

export interface LoadedModel {
  artifact: Artifact;
  model: TabularModel;
  /** Where it was read from. */
  source: string;
  /** Short content version (the weights digest's first 12 hex digits), as reported in metadata. */
  version: string;
}

const MAX_ISSUES = 10;

/** Validates, builds and verifies one parsed artifact; throws ArtifactError listing every problem. */
export function loadArtifact(json: unknown, source: string): LoadedModel {
  const parsed = artifactSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    const more = issues.length > MAX_ISSUES ? [`... and ${issues.length - MAX_ISSUES} more`] : [];
    throw new ArtifactError(source, [...issues.slice(0, MAX_ISSUES), ...more]);
  }
  const artifact = parsed.data;
  const model = modelFromArtifact(artifact);
  const problems = verificationProblems(artifact, model);
  if (problems.length) throw new ArtifactError(source, problems);
  return { artifact, model, source, version: artifact.integrity.digest.slice(0, 12) };
}

export function parseArtifactBytes(bytes: Uint8Array, source: string): LoadedModel {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ArtifactError(source, [`not valid JSON (${(error as Error).message})`]);
  }
  return loadArtifact(json, source);
}

/**
 * The artifacts named by MODEL_URL entries: each one file, or a folder (file:// directory, s3:// prefix
 * ending in '/') whose *.json files are all artifacts. Fails with every problem of every artifact, and
 * when two models share a name or nothing is found.
 */
export async function loadModels(urls: readonly string[], deps: LocationDeps = {}): Promise<LoadedModel[]> {
  const files: Location[] = [];
  for (const url of urls) {
    const loc = parseLocation(url);
    if (await isFolderLocation(loc)) {
      const inside = (await listLocation(loc, deps)).filter((l) => formatLocation(l).endsWith('.json'));
      if (inside.length === 0) throw new ArtifactError(url, ['no *.json model artifacts in this folder']);
      files.push(...inside);
    } else files.push(loc);
  }
  const loaded: LoadedModel[] = [];
  const failures: string[] = [];
  for (const loc of files) {
    const source = formatLocation(loc);
    try {
      loaded.push(parseArtifactBytes(await readLocation(loc, deps), source));
    } catch (error) {
      if (!(error instanceof ArtifactError)) throw error;
      failures.push(error.message);
    }
  }
  const seen = new Map<string, string>();
  for (const m of loaded) {
    const other = seen.get(m.model.name);
    if (other) failures.push(`model name "${m.model.name}" is used by both ${other} and ${m.source}`);
    seen.set(m.model.name, m.source);
  }
  if (failures.length) throw new ArtifactError('MODEL_URL', failures);
  return loaded;
}
