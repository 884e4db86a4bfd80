import type { EmulatorProcess } from './emulator';
import type { EmulatorHealth } from './emulator-health';
import type { Gate } from './gate';

/**
 * - `up`: the runtime works against the emulator;
 * - `down`: it is unreachable or lost Spillway's resources, and the runtime is paused;
 * - `restoring`: re-provisioning it.
 */
export type EmulatorStatus = 'up' | 'down' | 'restoring';

export interface RecoveryDeps {
  readonly endpoint: string;
  readonly probe: () => Promise<EmulatorHealth>;
  /** Present when this runtime started the emulator, and so may start it again. */
  readonly process?: Pick<EmulatorProcess, 'pid' | 'alive' | 'restart'>;
  /** Closed while the emulator is down or being restored. */
  readonly gate: Pick<Gate, 'close' | 'open'>;
  /**
   * Re-creates every resource with the names and ids the functions already hold; answers what
   * nonetheless came out different (empty when nothing did).
   */
  readonly restore: () => Promise<readonly string[]>;
  readonly log: (line: string) => void;
}

export interface EmulatorRecovery {
  /** One probe, and whatever it calls for; never throws. */
  check(): Promise<EmulatorStatus>;
  status(): EmulatorStatus;
  /** How many times the emulator was restored since the runtime started. */
  restorations(): number;
}

const LOST =
  'what it held is gone: burst tasks, drain executions, workload state, the decision log and queued ' +
  'signals; the reconciler starts again from an empty state, which is the truth of a restarted emulator';

/**
 * Notices that the emulator died or came back empty, and brings the runtime back without a
 * restart: pauses everything that talks to it, starts it again when this runtime owns it and it
 * exited, re-provisions the same resources, then resumes.
 */
export function emulatorRecovery(deps: RecoveryDeps): EmulatorRecovery {
  let status: EmulatorStatus = 'up';
  let restorations = 0;
  const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

  const pause = async (why: string) => {
    if (status !== 'up') return;
    status = 'down';
    deps.log(`emulator ${deps.endpoint} ${why}: poller, reconciler and ingest paused (webhooks get 503)`);
    await deps.gate.close();
  };

  const check = async (): Promise<EmulatorStatus> => {
    const health = await deps.probe().catch((): EmulatorHealth => 'unknown');
    if (health === 'unknown') return status;
    if (health === 'ok') {
      if (status !== 'up') {
        status = 'up';
        deps.gate.open();
        deps.log(`emulator ${deps.endpoint} answers again with Spillway's resources: resumed`);
      }
      return status;
    }
    await pause(health === 'down' ? 'is not answering' : "has lost Spillway's resources");
    if (health === 'down') {
      const owned = deps.process;
      // An emulator someone else runs, or ours still starting: wait for it to answer.
      if (!owned || owned.alive()) return status;
      deps.log(`moto (pid ${owned.pid}) exited: starting it again on the same port`);
      try {
        await owned.restart();
      } catch (error) {
        deps.log(`starting moto again failed, will retry: ${errorText(error)}`);
        return status;
      }
    }
    status = 'restoring';
    let drift: readonly string[];
    try {
      drift = await deps.restore();
    } catch (error) {
      status = 'down';
      deps.log(`re-provisioning the emulator failed, will retry: ${errorText(error)}`);
      return status;
    }
    restorations++;
    status = 'up';
    deps.gate.open();
    for (const change of drift)
      deps.log(
        `emulator restored with a different ${change}: the functions still use the old one; restart the runtime`,
      );
    const same = drift.length === 0 ? 'with the same resources and ids' : 'with different ids (above)';
    deps.log(`emulator ${deps.endpoint} restored ${same}: ${LOST}`);
    return status;
  };

  return { check, status: () => status, restorations: () => restorations };
}

/** Runs `check` every `everyMs`, one at a time, until stopped. */
export function superviseEmulator(recovery: EmulatorRecovery, everyMs: number): { stop(): Promise<void> } {
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  const tick = () => {
    current = recovery.check().finally(() => {
      if (running) timer = setTimeout(tick, everyMs);
    });
  };
  timer = setTimeout(tick, everyMs);
  return {
    stop: async () => {
      running = false;
      clearTimeout(timer);
      await current.catch(() => {});
    },
  };
}
