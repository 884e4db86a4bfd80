import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** A running AWS API emulator: where it listens and how to stop it. */
export interface Emulator {
  readonly endpoint: string;
  /** True when this process started it (and so must stop it). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
}

/** The moto server installed by `make` into the project's virtual environment. */
export const MOTO_SERVER = resolve(process.cwd(), '.venv/bin/moto_server');

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      );
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new EmulatorError(`moto_server exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new EmulatorError(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/**
 * Starts moto in server mode on loopback. Its Step Functions executor calls the other services
 * back on localhost:$MOTO_PORT, so that variable must name the port it listens on.
 */
export async function startMoto(
  options: { port?: number; log?: (line: string) => void } = {},
): Promise<Emulator> {
  if (!existsSync(MOTO_SERVER)) {
    throw new EmulatorError(
      `${MOTO_SERVER} is missing: run 'make deps' (or 'make run') to install the pinned emulator`,
    );
  }
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  // A watchdog shell stops moto when this process is gone, however it ended (even SIGKILL).
  const watchdog = [
    `"$0" -H 127.0.0.1 -p ${port} & moto=$!`,
    `trap 'kill $moto 2>/dev/null; exit 0' TERM INT`,
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `kill $moto 2>/dev/null; sleep 2; kill -9 $moto 2>/dev/null`,
  ].join('; ');
  const child = spawn('/bin/sh', ['-c', watchdog, MOTO_SERVER], {
    env: {
      ...process.env,
      MOTO_PORT: String(port),
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const tail: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > 50) tail.shift();
      if (/Traceback|Error/.test(line)) options.log?.(line);
    }
  });
  try {
    await waitUntilReady(endpoint, child, 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new EmulatorError(`${(error as Error).message}\n${tail.slice(-10).join('\n')}`);
  }
  // Off by default in moto: without it state machines are recorded but never run.
  const configured = await fetch(`${endpoint}/moto-api/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
  });
  if (!configured.ok)
    throw new EmulatorError(`moto refused its Step Functions configuration: ${configured.status}`);
  // By default moto walks a task one lifecycle step further on every DescribeTasks, until it is
  // STOPPED by itself. Tasks must keep running until something stops them, as on AWS.
  const pinned = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model_name: 'ecs::task',
      transition: { progression: 'manual', times: 2_147_483_647 },
    }),
  });
  if (!pinned.ok) throw new EmulatorError(`moto refused the ECS task lifecycle setting: ${pinned.status}`);

  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    owned: true,
    stop: () => {
      stopped ??= new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => {
          try {
            process.kill(-(child.pid as number), 'SIGKILL');
          } catch {
            // already gone
          }
        }, 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        try {
          process.kill(-(child.pid as number), 'SIGTERM');
        } catch {
          clearTimeout(timer);
          done();
        }
      });
      return stopped;
    },
  };
}

/** An emulator someone else runs (LocalStack, a shared moto): used as is, never stopped. */
export function externalEmulator(endpoint: string): Emulator {
  return { endpoint, owned: false, stop: async () => {} };
}
