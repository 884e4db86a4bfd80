import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { MOTO_PATCHES } from './moto-patches';

/** The emulator process, when this process started it: what recovery needs to bring it back. */
export interface EmulatorProcess {
  /** Id of the emulator process running now (tests kill it to play a crash). */
  readonly pid: number | undefined;
  alive(): boolean;
  /** Starts it again on the same port and configures it as at first start; it comes back empty. */
  restart(): Promise<void>;
}

/** A running AWS API emulator: where it listens and how to stop it. */
export interface Emulator {
  readonly endpoint: string;
  /** True when this process started it (and so must stop it). */
  readonly owned: boolean;
  /** Present when this process started the emulator and can restart it. */
  readonly process?: EmulatorProcess;
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
    if (child.exitCode !== null || child.signalCode !== null)
      throw new EmulatorError(
        `moto_server exited (${child.exitCode ?? child.signalCode}) before it was ready`,
      );
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

async function postMotoApi(endpoint: string, path: string, body: unknown, what: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new EmulatorError(`moto refused ${what}: ${response.status}`);
}

/** What moto needs on every start, the first and each restart. */
async function configureMoto(endpoint: string): Promise<void> {
  // Off by default in moto: without it state machines are recorded but never run.
  await postMotoApi(
    endpoint,
    'config',
    { stepfunctions: { execute_state_machine: true } },
    'its Step Functions configuration',
  );
  // By default moto walks a task one lifecycle step further on every DescribeTasks, until it is
  // STOPPED by itself. Tasks must keep running until something stops them, as on AWS.
  await postMotoApi(
    endpoint,
    'state-manager/set-transition',
    { model_name: 'ecs::task', transition: { progression: 'manual', times: 2_147_483_647 } },
    'the ECS task lifecycle setting',
  );
}

/** One moto process and the watchdog that stops it if this process dies without stopping it. */
interface Incarnation {
  readonly moto: ChildProcess;
  readonly watchdog: ChildProcess;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function launch(port: number, log: ((line: string) => void) | undefined): Promise<Incarnation> {
  const endpoint = `http://127.0.0.1:${port}`;
  // Its own process group, so a Ctrl-C at the terminal reaches the runtime, which stops moto in
  // order, rather than moto first.
  // moto_server's own entry point, run by the same Python after the patches.
  const python = resolve(dirname(MOTO_SERVER), 'python3');
  const moto = spawn(python, ['-c', MOTO_PATCHES, '-H', '127.0.0.1', '-p', String(port)], {
    env: {
      ...process.env,
      MOTO_PORT: String(port),
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  // Stops moto when this process is gone, however it ended (even SIGKILL); ends by itself when
  // moto does, so a restarted moto gets a watchdog of its own and no stale pid is ever signalled.
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${moto.pid} 2>/dev/null; do sleep 1; done`,
    `kill -0 ${process.pid} 2>/dev/null && exit 0`,
    `kill ${moto.pid} 2>/dev/null; sleep 2; kill -9 ${moto.pid} 2>/dev/null`,
  ].join('; ');
  const watchdog = spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: true });
  watchdog.unref();
  const tail: string[] = [];
  moto.once('error', (error) => tail.push(`spawn failed: ${error.message}`));
  moto.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > 50) tail.shift();
      if (/Traceback|Error/.test(line)) log?.(line);
    }
  });
  const incarnation = { moto, watchdog };
  try {
    await waitUntilReady(endpoint, moto, 30_000);
    await configureMoto(endpoint);
  } catch (error) {
    await halt(incarnation);
    throw new EmulatorError(`${(error as Error).message}\n${tail.slice(-10).join('\n')}`);
  }
  return incarnation;
}

/** SIGTERM, then SIGKILL if moto outlives it by three seconds. */
function halt({ moto, watchdog }: Incarnation): Promise<void> {
  const signal = (child: ChildProcess, name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // already gone
    }
  };
  signal(watchdog, 'SIGTERM');
  return new Promise<void>((done) => {
    if (exited(moto)) return done();
    const timer = setTimeout(() => signal(moto, 'SIGKILL'), 3000);
    moto.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    signal(moto, 'SIGTERM');
  });
}

/**
 * Starts moto in server mode on loopback. Its Step Functions executor calls the other services
 * back on localhost:$MOTO_PORT, so that variable must name the port it listens on; a restart
 * reuses the port, because every client and the executor have the endpoint baked in.
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
  let current = await launch(port, options.log);
  let restarting: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    owned: true,
    process: {
      get pid() {
        return current.moto.pid;
      },
      alive: () => !exited(current.moto),
      restart: () => {
        if (stopped) return Promise.reject(new EmulatorError('the emulator is stopping'));
        restarting ??= (async () => {
          await halt(current);
          current = await launch(port, options.log);
        })().finally(() => {
          restarting = undefined;
        });
        return restarting;
      },
    },
    stop: () => {
      stopped ??= (restarting ?? Promise.resolve()).catch(() => {}).then(() => halt(current));
      return stopped;
    },
  };
}

/** An emulator someone else runs (LocalStack, a shared moto): used as is, never stopped. */
export function externalEmulator(endpoint: string): Emulator {
  return { endpoint, owned: false, stop: async () => {} };
}
