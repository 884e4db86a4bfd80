import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Emulator, freePort, type MotoOptions, resumeMoto, startMoto } from './emulator';
import { haltMoto, runs } from './moto-process';

/** What the record file says: the moto a runtime started, and which runtime is in charge of it. */
interface EmulatorRecord {
  readonly pid: number;
  readonly port: number;
  readonly runtimePid: number;
}

function readRecord(file: string): EmulatorRecord | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<EmulatorRecord>;
    const { pid, port, runtimePid } = record;
    return Number.isInteger(pid) && Number.isInteger(port) && Number.isInteger(runtimePid)
      ? { pid: pid as number, port: port as number, runtimePid: runtimePid as number }
      : undefined;
  } catch {
    return undefined;
  }
}

const writeRecord = (file: string, record: EmulatorRecord) =>
  writeFileSync(file, JSON.stringify(record, null, 2));

/** Whether moto answers on its port: one still starting, or busy, gets ten seconds. */
async function answers(port: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      // moto's config, not its data: data.json dumps everything moto holds.
      const response = await fetch(`http://127.0.0.1:${port}/moto-api/config`, {
        signal: AbortSignal.timeout(3000),
      });
      if (response.ok) return true;
    } catch {
      // refused, or too slow this time
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/**
 * The emulator for `make run`, kept so that a crash of the runtime loses nothing: moto outlives
 * the runtime, is recorded in `recordFile`, and the next start resumes with it, with the signals
 * still queued and the tasks still running; a stop (Ctrl-C) stops it and removes the record. A
 * recorded moto that is gone means a fresh start; one that is hung is stopped first.
 */
export async function keptEmulator(recordFile: string, log: (line: string) => void): Promise<Emulator> {
  const keeping = (port: number): MotoOptions => ({
    log,
    logFile: recordFile.replace(/\.json$/, '.log'),
    onLaunch: (pid) => writeRecord(recordFile, { pid, port, runtimePid: process.pid }),
  });
  const forgetOnStop = (emulator: Emulator): Emulator => ({
    ...emulator,
    stop: async () => {
      await emulator.stop();
      rmSync(recordFile, { force: true });
    },
  });

  mkdirSync(dirname(recordFile), { recursive: true });
  const recorded = readRecord(recordFile);
  if (recorded && recorded.runtimePid !== process.pid && runs(recorded.runtimePid, 'node')) {
    // Another runtime sharing this state directory: its emulator is not ours to take.
    log(
      `moto (pid ${recorded.pid}) belongs to the runtime still running as pid ${recorded.runtimePid}: ` +
        'starting one of our own, which ends with this runtime',
    );
    return startMoto({ log });
  }
  if (recorded && runs(recorded.pid, 'moto')) {
    const { pid, port, runtimePid } = recorded;
    if (await answers(port)) {
      const emulator = await resumeMoto({ ...keeping(port), pid, port });
      writeRecord(recordFile, { pid, port, runtimePid: process.pid });
      log(
        `resuming with moto (pid ${pid}, port ${port}), which the runtime before (pid ${runtimePid}) ` +
          'left running: its queued signals, tasks and state are kept',
      );
      return forgetOnStop(emulator);
    }
    log(`moto (pid ${pid}) left by the runtime before does not answer: stopping it`);
    await haltMoto({ pid, unfollow: () => {} });
  } else if (recorded) {
    log(`moto (pid ${recorded.pid}) left by the runtime before is gone: starting a new one`);
  }
  const port = await freePort();
  return forgetOnStop(await startMoto({ ...keeping(port), port }));
}
