/**
 * Which Ceph release an RGW runs decides what a topic attribute does (cloudevents: from 17 on).
 * RGW sends no Server header, and /admin/info needs admin caps; but the Swift API's anonymous
 * capability document, GET /swift/info, carries `swift.version` = the Ceph version ("16.2.15").
 * RGW_VERSION overrides the probe (Swift API disabled, another URL prefix, a proxy in front).
 */
import type { RgwVersionInfo } from '../state/diff.js';

const RELEASES: Record<string, number> = { nautilus: 14, octopus: 15, pacific: 16, quincy: 17, reef: 18, squid: 19, tentacle: 20 };

/** "16.2.15", "17", "v18.2.1", "reef" → version info; undefined when it is none of those. */
export function parseRgwVersion(value: string, source: RgwVersionInfo['source']): RgwVersionInfo | undefined {
  const v = value.trim().toLowerCase();
  const release = RELEASES[v];
  if (release !== undefined) return { version: v, major: release, source };
  const m = /^v?(\d{1,3})(\.\d+){0,2}/.exec(v);
  if (!m) return undefined;
  return { version: m[0].replace(/^v/, ''), major: Number(m[1]), source };
}

export async function detectRgwVersion(endpoint: string, configured?: string, fetchImpl: typeof fetch = fetch, timeoutMs = 3_000): Promise<RgwVersionInfo> {
  if (configured) {
    const parsed = parseRgwVersion(configured, 'configured');
    if (parsed) return parsed;
  }
  try {
    const url = new URL('swift/info', endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
    const res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.ok) {
      const info = (await res.json()) as { swift?: { version?: unknown } };
      if (typeof info.swift?.version === 'string') {
        const parsed = parseRgwVersion(info.swift.version, 'probe');
        if (parsed) return parsed;
      }
    } else {
      await res.body?.cancel();
    }
  } catch {
    /* unknown */
  }
  return { source: 'unknown' };
}
