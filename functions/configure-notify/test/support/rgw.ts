// Test helpers for configure-notify on the run's real RGW.
import { connectRgw, type Rgw } from '../../src/rgw/client.ts';
import { rgwAccess } from '../../../../test/support/rgw-clients.ts';

export function testRgw(overrides: Partial<Parameters<typeof connectRgw>[0]> = {}): Rgw {
  const access = rgwAccess();
  return connectRgw({
    endpoint: access.endpoint,
    region: access.region,
    credentials: { accessKeyId: access.accessKey, secretAccessKey: access.secretKey },
    ...overrides,
  });
}

export interface SentRequest {
  method: string;
  /** path?query for S3, the SNS Action for SNS */
  what: string;
}

/**
 * Records every request the Rgw's clients send (after signing, so retries count too): an
 * independent witness of "no writes", not the engine's own counter.
 */
export function recordRequests(rgw: Rgw): { all: SentRequest[]; writes(): SentRequest[]; clear(): void } {
  const all: SentRequest[] = [];
  const add = (client: { middlewareStack: { add(m: never, o: object): void } }, sns: boolean) => {
    const middleware = (next: (a: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
      const r = args.request as { method: string; path: string; query: Record<string, unknown>; body?: unknown };
      const action = sns ? /(?:^|&)Action=([A-Za-z]+)/.exec(String(r.body ?? ''))?.[1] ?? '?' : '';
      all.push({ method: r.method, what: sns ? action : `${r.path}?${Object.keys(r.query ?? {}).join('&')}` });
      return next(args);
    };
    client.middlewareStack.add(middleware as never, { step: 'finalizeRequest', priority: 'low', name: 'testRecorder', override: true });
  };
  add(rgw.s3 as never, false);
  add(rgw.sns as never, true);
  const isWrite = (r: SentRequest) => (r.what && /^(CreateTopic|DeleteTopic|SetTopicAttributes)$/.test(r.what)) || r.method === 'PUT' || r.method === 'DELETE';
  return { all, writes: () => all.filter(isWrite), clear: () => all.splice(0) };
}
