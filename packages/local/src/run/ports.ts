import { createServer } from 'node:net';

/** True when nothing listens on `port` (checked on all interfaces, as faas-js-runtime listens). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '::' }, () => probe.close(() => resolve(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '::' }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** `configured` if given (0: any free port), else `preferred` when free, else any free port. */
export async function choosePort(configured: number | undefined, preferred: number): Promise<number> {
  if (configured !== undefined) return configured === 0 ? freePort() : configured;
  return (await portIsFree(preferred)) ? preferred : freePort();
}
