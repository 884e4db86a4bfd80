import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { processGone } from './processes';

export { processGone, runs } from './processes';

export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
}

/** The moto server installed by `make` into the project's virtual environment. */
export const MOTO_SERVER = resolve(process.cwd(), '.venv/bin/moto_server');

/**
 * Starts moto_server after Spillway's patches to moto (src/local/moto-patches/spillway_moto/). Found
 * beside this module, not from the working directory: it is part of the source tree.
 */
export const MOTO_WITH_PATCHES = resolve(import.meta.dirname, 'moto-patches/serve.py');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntilReady(endpoint: string, pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (processGone(pid)) throw new EmulatorError('moto_server exited before it was ready');
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
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
export async function configureMoto(endpoint: string): Promise<void> {
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

/** One moto process, and what this process holds on to while it runs. */
export interface Incarnation {
  readonly pid: number;
  /** Stops moto if this process dies without stopping it; absent when moto must outlive it. */
  readonly watchdog?: ChildProcess;
  /** Stops passing moto's errors on to the log. */
  readonly unfollow: () => void;
}

export interface MotoOptions {
  readonly log?: (line: string) => void;
  /**
   * Makes moto outlive this process: no watchdog, and its errors go to this file, since a pipe
   * would close with this process and break moto's next write.
   */
  readonly logFile?: string;
  /** Hears of each moto process as soon as it exists, so a crash while it starts still leaves it known. */
  readonly onLaunch?: (pid: number) => void;
}

/** Passes on moto's tracebacks and errors, and keeps the last lines for a failed start. */
function errorLines(log: MotoOptions['log']) {
  const tail: string[] = [];
  let partial = '';
  return {
    tail,
    take(chunk: string) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > 50) tail.shift();
        if (/Traceback|Error/.test(line)) log?.(line);
      }
    },
  };
}

/** Reads what moto appends to its log file, once a second, from the end it has now. */
function followFile(file: string, take: (chunk: string) => void): () => void {
  let offset = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  const read = () => {
    let fd: number | undefined;
    try {
      fd = openSync(file, 'r');
      const size = fstatSync(fd).size;
      // Shorter than before: a new moto started writing it afresh.
      if (size < offset) offset = 0;
      // Past a megabyte behind, the start of it is of no use to anyone.
      offset = Math.max(offset, size - 1024 * 1024);
      if (size === offset) return;
      const buffer = Buffer.alloc(size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      offset = size;
      take(buffer.toString('utf8'));
    } catch {
      // A log that cannot be read this time is no reason to stop the runtime.
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };
  const timer = setInterval(read, 1000);
  timer.unref();
  return () => {
    read();
    clearInterval(timer);
  };
}

/** Signals a process group; moto is started as the leader of its own. */
const signalGroup = (pid: number | undefined, signal: NodeJS.Signals) => {
  try {
    if (pid) process.kill(-pid, signal);
  } catch {
    // already gone
  }
};

/**
 * Starts moto on `port` and configures it. Its Step Functions executor calls the other services
 * back on localhost:$MOTO_PORT, so that variable must name the port it listens on.
 */
export async function launchMoto(port: number, options: MotoOptions): Promise<Incarnation> {
  const endpoint = `http://127.0.0.1:${port}`;
  const errors = errorLines(options.log);
  if (!existsSync(MOTO_WITH_PATCHES)) {
    throw new EmulatorError(`${MOTO_WITH_PATCHES} is missing: moto is started from a checkout of Spillway`);
  }
  const stderr = options.logFile ? openSync(options.logFile, 'w') : 'pipe';
  // moto_server's own entry point, run by the same Python after the patches. Its own process
  // group, so a Ctrl-C at the terminal reaches the runtime, which stops moto in order, rather
  // than moto first; and a session of its own, so it can outlive the runtime when asked to.
  const python = resolve(dirname(MOTO_SERVER), 'python3');
  const moto = spawn(python, [MOTO_WITH_PATCHES, '-H', '127.0.0.1', '-p', String(port)], {
    env: {
      ...process.env,
      MOTO_PORT: String(port),
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
    stdio: ['ignore', 'ignore', stderr],
    detached: true,
  });
  if (typeof stderr === 'number') closeSync(stderr);
  const pid = moto.pid;
  if (pid === undefined) {
    const why = await new Promise<Error>((done) => moto.once('error', done));
    throw new EmulatorError(`${python} could not be started: ${why.message}`);
  }
  options.onLaunch?.(pid);
  moto.stderr?.setEncoding('utf8').on('data', errors.take);
  const unfollow = options.logFile ? followFile(options.logFile, errors.take) : () => {};
  let watchdog: ChildProcess | undefined;
  if (options.logFile) {
    moto.unref();
  } else {
    // Stops moto when this process is gone, however it ended (even SIGKILL); ends by itself when
    // moto does, so a restarted moto gets a watchdog of its own and no stale pid is ever signalled.
    const script = [
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done`,
      `kill -0 ${process.pid} 2>/dev/null && exit 0`,
      `kill ${pid} 2>/dev/null; sleep 2; kill -9 ${pid} 2>/dev/null`,
    ].join('; ');
    watchdog = spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: true });
    watchdog.unref();
  }
  const incarnation: Incarnation = { pid, unfollow, ...(watchdog ? { watchdog } : {}) };
  try {
    await waitUntilReady(endpoint, pid, 30_000);
    await configureMoto(endpoint);
  } catch (error) {
    await haltMoto(incarnation);
    throw new EmulatorError(`${(error as Error).message}\n${errors.tail.slice(-10).join('\n')}`);
  }
  return incarnation;
}

/** A moto an earlier runtime launched and left running, taken over as if this one had. */
export function adoptMoto(pid: number, options: MotoOptions): Incarnation {
  const errors = errorLines(options.log);
  return { pid, unfollow: options.logFile ? followFile(options.logFile, errors.take) : () => {} };
}

/** SIGTERM, then SIGKILL if moto outlives it by three seconds. */
export async function haltMoto({ pid, watchdog, unfollow }: Incarnation): Promise<void> {
  unfollow();
  signalGroup(watchdog?.pid, 'SIGTERM');
  if (processGone(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const killAt = Date.now() + 3000;
  const giveUpAt = killAt + 3000;
  let killed = false;
  while (!processGone(pid) && Date.now() < giveUpAt) {
    if (!killed && Date.now() >= killAt) {
      signalGroup(pid, 'SIGKILL');
      killed = true;
    }
    await sleep(50);
  }
}
