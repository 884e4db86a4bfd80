import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  adoptMoto,
  configureMoto,
  EmulatorError,
  haltMoto,
  type Incarnation,
  launchMoto,
  MOTO_SERVER,
  type MotoOptions,
  processGone,
} from './moto-process';

export { EmulatorError, MOTO_SERVER, type MotoOptions };

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
  /** True when this runtime is in charge of it (started or resumed it), and so must stop it. */
  readonly owned: boolean;
  /** Present when this process started the emulator and can restart it. */
  readonly process?: EmulatorProcess;
  /** True when an earlier runtime started it and ended without stopping it: it holds that one's work. */
  readonly resumed?: boolean;
  stop(): Promise<void>;
}

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

/**
 * Starts moto in server mode on loopback. A restart reuses the port, because every client and
 * moto's Step Functions executor have the endpoint baked in.
 */
export async function startMoto(options: MotoOptions & { port?: number } = {}): Promise<Emulator> {
  if (!existsSync(MOTO_SERVER)) {
    throw new EmulatorError(
      `${MOTO_SERVER} is missing: run 'make deps' (or 'make run') to install the pinned emulator`,
    );
  }
  const port = options.port ?? (await freePort());
  return ownedMoto(port, await launchMoto(port, options), options, false);
}

/**
 * Takes over a moto that an earlier runtime launched with a log file and left running (it
 * crashed): configured again, it is then stopped and restarted as if this runtime had started it.
 */
export async function resumeMoto(options: MotoOptions & { pid: number; port: number }): Promise<Emulator> {
  await configureMoto(`http://127.0.0.1:${options.port}`);
  return ownedMoto(options.port, adoptMoto(options.pid, options), options, true);
}

function ownedMoto(port: number, first: Incarnation, options: MotoOptions, resumed: boolean): Emulator {
  let current = first;
  let restarting: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    owned: true,
    resumed,
    process: {
      get pid() {
        return current.pid;
      },
      alive: () => !processGone(current.pid),
      restart: () => {
        if (stopped) return Promise.reject(new EmulatorError('the emulator is stopping'));
        restarting ??= (async () => {
          await haltMoto(current);
          current = await launchMoto(port, options);
        })().finally(() => {
          restarting = undefined;
        });
        return restarting;
      },
    },
    stop: () => {
      stopped ??= (restarting ?? Promise.resolve()).catch(() => {}).then(() => haltMoto(current));
      return stopped;
    },
  };
}

/** An emulator someone else runs (LocalStack, a shared moto): used as is, never stopped. */
export function externalEmulator(endpoint: string): Emulator {
  return { endpoint, owned: false, stop: async () => {} };
}
