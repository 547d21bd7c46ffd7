import { readFileSync } from 'node:fs';
import { sharedPath } from './paths.ts';

/**
 * The top-1 label ../shared/images/SOURCE.md lists for each photo (reference data, read at test time):
 * `| dog.jpg | malamute 42 %, … |` → dog.jpg: malamute; `kite (the bird) 41 %` → kite.
 */
export function expectedTop1(): Map<string, string> {
  const text = readFileSync(sharedPath('images/SOURCE.md'), 'utf8');
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\|\s*([\w-]+\.jpg)\s*\|\s*([^|]+?)\s*\|/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const first = m[2].split(',')[0] ?? '';
    out.set(m[1], first.replace(/\(.*?\)/g, '').replace(/\d+\s*%.*$/, '').trim());
  }
  if (out.size === 0) throw new Error('no labels found in images/SOURCE.md');
  return out;
}

/** First name of an ImageNet label: `malamute, malemute, Alaskan malamute` → `malamute`. */
export const firstName = (label: string): string => (label.split(',')[0] ?? label).trim();
