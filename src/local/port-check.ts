import { createServer } from 'node:net';

export class PortBusy extends Error {
  override readonly name = 'PortBusy';
}

/** Whoever answers `/healthz` on the port: a Spillway runtime says so. */
async function whoIsThere(port: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    const body = (await response.json()) as { status?: unknown };
    if (typeof body.status === 'string')
      return `a Spillway runtime is already running there (${body.status})`;
  } catch {
    // Not HTTP, or not ours: say only that the port is taken.
  }
  return 'another program listens there';
}

/** Fails with a PortBusy naming what holds the port, when 127.0.0.1:port cannot be listened on. */
export async function assertPortFree(port: number): Promise<void> {
  const error = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => done(e));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(undefined)));
  });
  if (!error) return;
  if (error.code !== 'EADDRINUSE') throw new PortBusy(`port ${port} cannot be used: ${error.message}`);
  throw new PortBusy(
    `port ${port} is in use: ${await whoIsThere(port)}; stop it, or choose another port with SPILLWAY_PORT`,
  );
}
