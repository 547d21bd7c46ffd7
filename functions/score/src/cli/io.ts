import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createS3Client, loadConfig, parseLocation, readLocation, s3EnvSchema } from '../vendor/core/index.js';

/**
 * Paths on the command line are relative to where the user typed the command: `npm run --workspace`
 * changes into functions/score first but keeps the original directory in INIT_CWD.
 */
export function userPath(p: string): string {
  return path.resolve(process.env['INIT_CWD'] ?? process.cwd(), p);
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A local path, or a file://, http(s):// or s3:// URL (S3 configured by the AWS_* variables). */
export async function readInput(where: string): Promise<{ bytes: Uint8Array; name: string }> {
  if (!URL_LIKE.test(where)) {
    const file = userPath(where);
    return { bytes: await readFile(file), name: path.basename(file) };
  }
  const loc = parseLocation(where);
  const deps = loc.kind === 's3' ? { s3: createS3Client(loadConfig(s3EnvSchema)) } : {};
  return { bytes: await readLocation(loc, deps), name: path.posix.basename(where) };
}

export async function writeArtifact(dir: string, name: string, artifact: unknown): Promise<string> {
  const out = userPath(dir);
  await mkdir(out, { recursive: true });
  const file = path.join(out, `${name}.json`);
  await writeFile(file, JSON.stringify(artifact) + '\n');
  return file;
}

/** Exit 2 with a message, the CLI convention for bad usage. */
export function usage(message: string, help: string): never {
  process.stderr.write(`${message}\n\n${help}\n`);
  process.exit(2);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with the CLI conventions: `--help` prints the help and exits 0, bad usage exits 2. */
export function parseCommandLine<const O extends Options>(options: O, help: string) {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(help + '\n');
    process.exit(0);
  }
  try {
    return parseArgs({ options }).values;
  } catch (error) {
    return usage((error as Error).message, help);
  }
}
