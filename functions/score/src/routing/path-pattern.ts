/**
 * URL path patterns such as `/v2/models/{name}/versions/{version}/infer`: literal segments match
 * exactly (case-sensitive, as the Open Inference Protocol requires), `{param}` segments match any one
 * non-empty segment and capture it decoded. Pure: no I/O, no framework.
 */
export type Params = Record<string, string>;

export interface PathPattern {
  readonly pattern: string;
  match(segments: readonly string[]): Params | undefined;
}

const PARAM = /^\{([a-zA-Z][a-zA-Z0-9_]*)\}$/;

export function compilePattern(pattern: string): PathPattern {
  const parts = splitPath(pattern);
  if (parts === undefined) throw new Error(`bad path pattern ${JSON.stringify(pattern)}`);
  const compiled = parts.map((part) => {
    const param = PARAM.exec(part);
    return param ? { param: param[1]! } : { literal: part };
  });
  return {
    pattern,
    match(segments) {
      if (segments.length !== compiled.length) return undefined;
      const params: Params = {};
      for (let i = 0; i < compiled.length; i++) {
        const part = compiled[i]!;
        const segment = segments[i]!;
        if ('literal' in part) {
          if (part.literal !== segment) return undefined;
        } else {
          params[part.param] = segment;
        }
      }
      return params;
    },
  };
}

/**
 * A request path as decoded segments: `/` → [], `/v2/` → ['v2'] (one trailing slash is ignored: the
 * OIP OpenAPI document itself spells server metadata `/v2/`). Undefined when the path cannot be a
 * route: empty segments (`//`), or percent-encoding that does not decode.
 */
export function splitPath(path: string): string[] | undefined {
  const trimmed = path.replace(/^\/+/, '/').replace(/(.)\/$/, '$1');
  if (!trimmed.startsWith('/')) return undefined;
  if (trimmed === '/') return [];
  const raw = trimmed.slice(1).split('/');
  if (raw.some((s) => s === '')) return undefined;
  try {
    return raw.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}
