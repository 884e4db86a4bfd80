import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPortFree } from '../../../src/local/port-check';

const listening = (server: Server | ReturnType<typeof createTcpServer>): Promise<number> =>
  new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      done(typeof address === 'object' && address ? address.port : 0);
    });
  });

describe('assertPortFree', () => {
  const servers: { close: (done: () => void) => unknown; closeAllConnections?: () => void }[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (s) =>
          new Promise<void>((done) => {
            s.close(() => done());
            s.closeAllConnections?.();
          }),
      ),
    );
  });

  it('says a Spillway runtime is already running when the port answers /healthz as one does', async () => {
    // Prepare
    const runtime = createHttpServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'ok' }));
    });
    servers.push(runtime);
    const port = await listening(runtime);

    // Act / Assess
    await expect(assertPortFree(port)).rejects.toThrow(
      `port ${port} is in use: a Spillway runtime is already running there (ok); stop it, or choose another port with SPILLWAY_PORT`,
    );
  });

  it('says only that the port is taken when something else holds it', async () => {
    // Prepare
    const other = createTcpServer((socket) => socket.destroy());
    servers.push(other);
    const port = await listening(other);

    // Act / Assess
    await expect(assertPortFree(port)).rejects.toThrow(
      `port ${port} is in use: another program listens there`,
    );
  });

  it('lets a free port through, and leaves it free', async () => {
    // Prepare: a port that was just free
    const probe = createTcpServer();
    const port = await listening(probe);
    await new Promise<void>((done) => probe.close(() => done()));

    // Act
    await assertPortFree(port);

    // Assess
    const again = createTcpServer();
    servers.push(again);
    await new Promise<void>((done, fail) => {
      again.once('error', fail);
      again.listen(port, '127.0.0.1', () => done());
    });
  });
});
