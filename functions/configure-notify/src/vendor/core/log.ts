// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * One JSON object per line on stdout, the shape log collectors (OpenShift logging, Loki, Fluent Bit)
 * index without parsing rules. Errors are flattened to name/message so they survive JSON.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type Sink = (line: string) => void;

function plain(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(value.cause === undefined ? {} : { cause: plain(value.cause) }) };
  }
  return value;
}

export function createLogger(
  base: Record<string, unknown> = {},
  options: { level?: Level; sink?: Sink } = {},
): Logger {
  const min = ORDER[options.level ?? 'info'];
  const sink: Sink = options.sink ?? ((line) => process.stdout.write(line + '\n'));
  const write = (level: Level, msg: string, fields: Record<string, unknown> = {}): void => {
    if (ORDER[level] < min) return;
    const record: Record<string, unknown> = { level, time: new Date().toISOString(), ...base, msg };
    for (const [k, v] of Object.entries(fields)) record[k] = plain(v);
    sink(JSON.stringify(record));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, options),
  };
}
