import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactError } from '../src/artifact/convert.js';
import { loadArtifact, loadModels } from '../src/artifact/load.js';
import type { Artifact } from '../src/artifact/schema.js';
import { importedArtifact } from './helpers.js';

const lda = importedArtifact('lda');
const copy = (): Artifact => JSON.parse(JSON.stringify(lda)) as Artifact;

function problemsOf(json: unknown): string[] {
  try {
    loadArtifact(json, 'test');
  } catch (error) {
    if (error instanceof ArtifactError) return error.problems;
    throw error;
  }
  return [];
}

describe('artifact checks at load', () => {
  const dir = mkdtemp(path.join(tmpdir(), 'score-artifacts-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('accepts the artifact as written', () => {
    expect(problemsOf(copy())).toEqual([]);
  });

  it('refuses a changed weight (integrity digest)', () => {
    const a = copy();
    if (a.model.type !== 'lda') throw new Error('lda expected');
    a.model.coef.data[5] = a.model.coef.data[5]! + 1e-9;
    expect(problemsOf(a).join('\n')).toMatch(/digest/);
  });

  it('refuses weights that no longer reproduce the reference rows, even with a matching digest', () => {
    const a = copy();
    a.reference.rows[0]!.expected.proba = a.reference.rows[0]!.expected.proba.map((p, i, all) => (i === 0 ? all[1]! : i === 1 ? all[0]! : p));
    a.reference.rows[0]!.expected.class = a.output.classes[1]!;
    expect(problemsOf(a).join('\n')).toMatch(/reference row .*: predicted class/);
  });

  it('refuses shapes that do not fit the declared features and classes', () => {
    const a = copy();
    a.input.features = a.input.features.slice(0, 159);
    expect(problemsOf(a).join('\n')).toMatch(/model\.coef has shape \[26, 160\], expected \[26, 159\]/);
  });

  it('refuses another format and lists schema problems', () => {
    const problems = problemsOf({ ...copy(), format: 'something/v9', name: 'Bad Name' });
    expect(problems.some((p) => p.startsWith('format'))).toBe(true);
    expect(problems.some((p) => p.startsWith('name'))).toBe(true);
  });

  it('loads every artifact of a folder and refuses two models with one name', async () => {
    const folder = await dir;
    await writeFile(path.join(folder, 'a.json'), JSON.stringify(lda));
    await writeFile(path.join(folder, 'notes.txt'), 'not an artifact');
    const loaded = await loadModels([`file://${folder}/`]);
    expect(loaded.map((m) => m.model.name)).toEqual(['lda']);
    await writeFile(path.join(folder, 'b.json'), JSON.stringify(lda));
    await expect(loadModels([`file://${folder}/`])).rejects.toThrow(/model name "lda" is used by both/);
  });
});
