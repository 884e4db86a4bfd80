import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/local/emulator';
import { processGone } from '../../src/local/moto-process';
import { eventually } from './harness';

const REPOSITORY = resolve(import.meta.dirname, '../..');
const FIRING = readFileSync(resolve(REPOSITORY, 'test/fixtures/alertmanager/webhook-v4-firing.json'), 'utf8');
const TOKEN = 'crash-resume-token';
/** A message the crashed runtime had received comes back after the queue's visibility timeout (30 s). */
const REDELIVERY_MS = 45_000;

interface Runtime {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<number | null>;
}

describe('make run after the runtime crashed', () => {
  const state = mkdtempSync(join(tmpdir(), 'spillway-crash-'));
  const started: Runtime[] = [];
  let url = '';
  /** The moto the runtime recorded as in its charge, if any. */
  const recordedMoto = () => {
    const record = join(state, 'emulator.json');
    return existsSync(record) ? (JSON.parse(readFileSync(record, 'utf8')) as { pid: number }).pid : undefined;
  };
  afterAll(async () => {
    for (const { child } of started)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const moto = recordedMoto();
    if (moto && !processGone(moto)) process.kill(-moto, 'SIGKILL');
    rmSync(state, { recursive: true, force: true });
  });

  /** `make run`'s command, as one process (no npx or tsx wrapper), so a signal reaches the runtime itself. */
  const startRuntime = async (port: number): Promise<Runtime> => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SPILLWAY_PORT: String(port),
      SPILLWAY_CONFIG: 'config/local.yaml',
      SPILLWAY_WEBHOOK_TOKEN: TOKEN,
      SPILLWAY_RUNTIME_FILE: join(state, 'runtime.json'),
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    };
    delete env.SPILLWAY_AWS_ENDPOINT;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/main.ts'], {
      cwd: REPOSITORY,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    const runtime = { child, output, exited: new Promise<number | null>((done) => child.once('exit', done)) };
    started.push(runtime);
    url = `http://127.0.0.1:${port}`;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`the runtime exited: ${output.join('')}`);
        return (await fetch(`${url}/healthz`)).ok ? true : undefined;
      },
      'the runtime to serve',
      60_000,
    );
    return runtime;
  };

  it('resumes with the emulator it left, processes the signal it had accepted, and Ctrl-C stops it all', async () => {
    // Prepare: a runtime accepts an alert, and is killed before it can act on it.
    const port = await freePort();
    const crashed = await startRuntime(port);
    const moto = recordedMoto();
    const accepted = await fetch(`${url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: FIRING,
    });
    crashed.child.kill('SIGKILL');
    expect(accepted.status).toBe(202);
    await crashed.exited;

    // Act: make run again.
    const resumed = await startRuntime(port);

    // Assess: the accepted signal bursts checkout-api, in the emulator the crashed runtime started.
    await eventually(
      async () => {
        const status = (await (await fetch(`${url}/status`)).json()) as {
          workloads: { workload: string; regions: Record<string, { ecsStatus: string }[]> }[];
        };
        const checkout = status.workloads.find((w) => w.workload === 'checkout-api');
        const running = checkout?.regions['us-west-2']?.filter((t) => t.ecsStatus === 'RUNNING') ?? [];
        return running.length >= 2 ? running : undefined;
      },
      'the burst of the signal accepted before the crash',
      REDELIVERY_MS,
    );
    expect(moto).toBeGreaterThan(0);
    expect(recordedMoto()).toBe(moto);
    expect(resumed.output.join('')).toContain(`resuming with moto (pid ${moto}`);

    // Act: Ctrl-C.
    resumed.child.kill('SIGINT');

    // Assess: the runtime stops cleanly, and takes the emulator with it.
    expect(await resumed.exited).toBe(0);
    expect(processGone(moto as number)).toBe(true);
    expect(existsSync(join(state, 'emulator.json'))).toBe(false);
  });
});
