import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The node arguments of what `npm start` runs in a function's directory (its package.json `start`,
 * `node <entry> <module>`), so local runs and tests start a function exactly as its container does,
 * without npm in between (npm would sit between the signals Knative sends and the process).
 */
export function npmStartArguments(functionDir: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(functionDir, 'package.json'), 'utf8')) as { scripts?: { start?: unknown } };
  const script = pkg.scripts?.start;
  const [program, ...args] = typeof script === 'string' ? script.trim().split(/\s+/) : [];
  if (program !== 'node' || args.length === 0) {
    throw new Error(`${functionDir}/package.json: expected "start": "node <entry> <module>", found ${JSON.stringify(script)}`);
  }
  return args;
}
