// The function lifecycle (src/lifecycle) with small real loaders and handlers: what init, handle, the
// probes and shutdown do before, during and after a start-up, and how a failed start-up ends.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, FunctionError, jsonResponse, loadConfig, MODEL_PART, type HttpResponse, type ProbeHandler, type ReadyInfo } from '../src/index.ts';
import { defineFunction, type FunctionDefinition } from '../src/lifecycle/define.ts';

const schema = z.object({ GREETING: z.string({ error: 'is required' }), LOG_LEVEL: env.logLevel() });
type Config = z.output<typeof schema>;

interface Greeter {
  greeting: string;
}

/** A lifecycle around a greeter, with its log lines and exit codes captured. */
function greeter(environment: Record<string, string>, overrides: Partial<FunctionDefinition<Config, Greeter, HttpResponse>> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const exits: number[] = [];
  const ready: ReadyInfo[] = [];
  const definition: FunctionDefinition<Config, Greeter, HttpResponse> = {
    name: 'greeter',
    starting: 'starting: learning the greeting',
    config: () => loadConfig(schema, environment),
    load: async ({ config, part }) => {
      const greeting = await part(MODEL_PART, async () => {
        await new Promise((r) => setTimeout(r, 20));
        return config.GREETING;
      });
      return { instance: { greeting }, ready: { greeting }, startup: { cache: 3 } };
    },
    handle: (instance, { context, log }, body) => {
      log.info('greeting', { method: context.method });
      if (body === 'boom') throw new Error('internal detail');
      if (body === 'refuse') throw new FunctionError(422, 'unwelcome', 'not greeting that');
      return jsonResponse(200, { text: `${instance.greeting}, ${String(body)}` });
    },
    onReady: (info) => ready.push(info),
    ...overrides,
  };
  const fn = defineFunction(definition, { sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>), exit: (code) => exits.push(code) });
  return { fn, lines, exits, ready };
}

/** Calls a probe handler as fastify would, and returns what it sent. */
function probe(handler: ProbeHandler): { status: number; body: string } {
  const sent = { status: 0, body: '' };
  const reply = {
    code(status: number) {
      sent.status = status;
      return reply;
    },
    header: () => reply,
    send(body: string) {
      sent.body = body;
    },
  };
  handler(undefined, reply);
  return sent;
}

const NOT_READY = { statusCode: 503, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { error: { code: 'not_ready', message: expect.any(String), retryable: true } } };

describe('before init', () => {
  it('answers not_ready (503, retryable) and says why on readiness; liveness is OK', async () => {
    const { fn } = greeter({ GREETING: 'hello' });
    const res = await fn.handle({ method: 'POST' }, 'you');
    expect(res).toEqual(NOT_READY);
    expect((res as HttpResponse).body).toMatchObject({ error: { message: 'starting: learning the greeting' } });
    expect(probe(fn.readiness)).toEqual({ status: 503, body: 'starting: learning the greeting' });
    expect(probe(fn.liveness)).toEqual({ status: 200, body: 'OK' });
    expect(fn.startup()).toBeUndefined();
  });
});

describe('init', () => {
  it('loads once, then handles with the instance and is ready', async () => {
    const { fn, exits } = greeter({ GREETING: 'hello' });
    await fn.init();
    expect(await fn.handle({ method: 'POST' }, 'you')).toEqual(jsonResponse(200, { text: 'hello, you' }));
    expect(probe(fn.readiness)).toEqual({ status: 200, body: 'OK' });
    expect(exits).toEqual([]);
  });

  it('logs `ready` with the loader\'s fields and start-up parts, and reports the figures once', async () => {
    const { fn, lines, ready } = greeter({ GREETING: 'hello' });
    await fn.init();
    const line = lines.find((l) => l.msg === 'ready');
    expect(line).toMatchObject({ level: 'info', function: 'greeter', greeting: 'hello', startup: { model: expect.any(Number), cache: 3 }, initMs: expect.any(Number) });
    const parts = line!.startup as Record<string, number>;
    expect(parts.model).toBeGreaterThanOrEqual(15);
    expect(ready).toHaveLength(1);
    expect(ready[0]).toEqual(fn.startup());
    expect(ready[0]).toMatchObject({ function: 'greeter', modelLoadMs: parts.model, parts: { model: parts.model, cache: 3 } });
    expect(ready[0]!.startupMs).toBeGreaterThanOrEqual(parts.model!);
    expect(ready[0]!.sinceProcessStartMs).toBeGreaterThanOrEqual(ready[0]!.startupMs);
  });

  it('builds the logger from the validated LOG_LEVEL, not from process.env', async () => {
    const saved = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug';
    try {
      const { fn, lines } = greeter({ GREETING: 'hello', LOG_LEVEL: 'warn' });
      await fn.init();
      await fn.handle({ method: 'POST' }, 'you');
      await fn.handle({ method: 'POST' }, 'boom');
      expect(lines.map((l) => l.msg)).toEqual(['unexpected failure']);
      expect(fn.logger()).not.toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
  });
});

describe('a failed start-up', () => {
  it('logs `cannot start` with every configuration problem, exits 1 and stays not ready', async () => {
    const { fn, lines, exits } = greeter({ LOG_LEVEL: 'loud' });
    await expect(fn.init()).rejects.toBeInstanceOf(ConfigError);
    expect(exits).toEqual([1]);
    const line = lines.find((l) => l.msg === 'cannot start');
    expect(line).toMatchObject({ level: 'error', function: 'greeter', problems: ['GREETING: is required', expect.stringMatching(/^LOG_LEVEL: /)] });
    expect(line!.error).toMatch(/^ConfigError: invalid configuration/);
    expect(await fn.handle({ method: 'POST' }, 'you')).toEqual(NOT_READY);
    expect(probe(fn.readiness).status).toBe(503);
  });

  it('shows how far the loader got when a part fails', async () => {
    const { fn, lines, exits, ready } = greeter(
      { GREETING: 'hello' },
      {
        load: async ({ part }) => {
          await part('download', () => 'bytes');
          await part(MODEL_PART, () => {
            throw new Error('model.json: unexpected end of JSON');
          });
          throw new Error('not reached');
        },
      },
    );
    await expect(fn.init()).rejects.toThrow('unexpected end of JSON');
    expect(exits).toEqual([1]);
    expect(lines.find((l) => l.msg === 'cannot start')).toMatchObject({ error: 'Error: model.json: unexpected end of JSON', startup: { download: expect.any(Number), model: expect.any(Number) } });
    expect(ready).toEqual([]);
  });

  it('counts a failing onReady as a failed start-up', async () => {
    const { fn, exits } = greeter({ GREETING: 'hello' }, { onReady: () => { throw new Error('metrics registry clash'); } });
    await expect(fn.init()).rejects.toThrow('metrics registry clash');
    expect(exits).toEqual([1]);
    expect(probe(fn.readiness).status).toBe(503);
  });
});

describe('handle', () => {
  it('answers a FunctionError with its status and an unexpected error with an opaque, logged 500', async () => {
    const { fn, lines } = greeter({ GREETING: 'hello' });
    await fn.init();
    expect(await fn.handle({ method: 'POST' }, 'refuse')).toEqual(jsonResponse(422, { error: { code: 'unwelcome', message: 'not greeting that', retryable: false } }));
    const res = (await fn.handle({ method: 'POST' }, 'boom')) as HttpResponse;
    expect(res).toEqual(jsonResponse(500, { error: { code: 'internal', message: 'internal error; see the function log', retryable: true } }));
    expect(lines.find((l) => l.msg === 'unexpected failure')).toMatchObject({ level: 'error', error: { name: 'Error', message: 'internal detail' } });
  });

  it('puts the correlation fields on every log line of the invocation', async () => {
    const { fn, lines } = greeter({ GREETING: 'hello' }, { correlate: (context) => ({ eventId: context.cloudevent?.id }) });
    await fn.init();
    await fn.handle({ method: 'POST', cloudevent: { id: 'ev-1', source: '/t', type: 't', specversion: '1.0' } }, 'boom');
    expect(lines.filter((l) => l.msg === 'greeting' || l.msg === 'unexpected failure').map((l) => [l.msg, l.eventId])).toEqual([
      ['greeting', 'ev-1'],
      ['unexpected failure', 'ev-1'],
    ]);
    expect(lines.find((l) => l.msg === 'ready')).not.toHaveProperty('eventId');
  });

  it('answers GET without an event from describe, when the function has one', async () => {
    const { fn } = greeter({ GREETING: 'hello' }, { describe: (i) => ({ greeting: i.greeting }) });
    await fn.init();
    expect(await fn.handle({ method: 'GET' })).toEqual(jsonResponse(200, { function: 'greeter', greeting: 'hello' }));
    // An event delivered by GET is still the handler's, and so is POST.
    expect(await fn.handle({ method: 'POST' }, 'you')).toEqual(jsonResponse(200, { text: 'hello, you' }));
  });
});

describe('shutdown', () => {
  it('releases the instance once and answers not_ready from then on', async () => {
    const released: Greeter[] = [];
    const { fn, lines } = greeter({ GREETING: 'hello' }, { shutdown: (i) => void released.push(i) });
    await fn.init();
    await fn.shutdown();
    await fn.shutdown();
    expect(released).toEqual([{ greeting: 'hello' }]);
    expect(await fn.handle({ method: 'POST' }, 'you')).toEqual(NOT_READY);
    expect((await fn.handle({ method: 'POST' }, 'you') as HttpResponse).body).toMatchObject({ error: { message: 'shutting down' } });
    expect(probe(fn.readiness)).toEqual({ status: 503, body: 'shutting down' });
    expect(lines.at(-1)).toMatchObject({ msg: 'shutting down' });
  });

  it('before init, only marks the function not ready', async () => {
    const { fn } = greeter({ GREETING: 'hello' });
    await fn.shutdown();
    expect(probe(fn.readiness)).toEqual({ status: 503, body: 'shutting down' });
  });
});
