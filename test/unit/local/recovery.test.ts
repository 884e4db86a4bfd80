import { describe, expect, it } from 'vitest';
import type { EmulatorHealth } from '../../../src/local/emulator-health';
import { createGate } from '../../../src/local/gate';
import { emulatorRecovery, type RecoveryDeps } from '../../../src/local/recovery';

/**
 * An emulator the test scripts: what each probe answers, whether its process lives, and whether a
 * restart or a restore works. Records what recovery did, in order.
 */
function scripted(options: { owned?: boolean } = {}) {
  const answers: EmulatorHealth[] = [];
  const calls: string[] = [];
  const lines: string[] = [];
  const gate = createGate();
  let alive = true;
  let restartFails = false;
  let restoreFails = false;
  let drift: string[] = [];
  const deps: RecoveryDeps = {
    endpoint: 'http://127.0.0.1:5000',
    probe: async () => {
      const answer = answers.shift() ?? 'ok';
      calls.push(`probe:${answer}`);
      return answer;
    },
    ...(options.owned === false
      ? {}
      : {
          process: {
            pid: 4242,
            alive: () => alive,
            restart: async () => {
              calls.push('restart');
              if (restartFails) throw new Error('port 5000 in use');
              alive = true;
            },
          },
        }),
    gate: {
      close: async () => {
        calls.push('pause');
        await gate.close();
      },
      open: () => {
        calls.push('resume');
        gate.open();
      },
    },
    restore: async () => {
      calls.push('restore');
      if (restoreFails) throw new Error('CreateTable failed');
      return drift;
    },
    log: (line) => lines.push(line),
  };
  return {
    recovery: emulatorRecovery(deps),
    gate,
    calls,
    lines,
    answer: (...health: EmulatorHealth[]) => answers.push(...health),
    kill: () => {
      alive = false;
    },
    failRestart: (fails: boolean) => {
      restartFails = fails;
    },
    failRestore: (fails: boolean) => {
      restoreFails = fails;
    },
    drift: (changes: string[]) => {
      drift = changes;
    },
  };
}

describe('emulator recovery', () => {
  it('does nothing while the emulator answers with its resources', async () => {
    // Prepare
    const emulator = scripted();
    emulator.answer('ok', 'ok');

    // Act
    await emulator.recovery.check();
    await emulator.recovery.check();

    // Assess
    expect(emulator.calls).toEqual(['probe:ok', 'probe:ok']);
    expect(emulator.gate.isOpen).toBe(true);
    expect(emulator.recovery.status()).toBe('up');
  });

  it('leaves a busy emulator alone: a slow or odd answer pauses nothing', async () => {
    // Prepare
    const emulator = scripted();
    emulator.answer('unknown');

    // Act
    const status = await emulator.recovery.check();

    // Assess
    expect(status).toBe('up');
    expect(emulator.calls).toEqual(['probe:unknown']);
    expect(emulator.gate.isOpen).toBe(true);
  });

  it('restarts moto it owns when the process died, re-provisions, then resumes and says what was lost', async () => {
    // Prepare
    const emulator = scripted();
    emulator.kill();
    emulator.answer('down');

    // Act
    const status = await emulator.recovery.check();

    // Assess
    expect(emulator.calls).toEqual(['probe:down', 'pause', 'restart', 'restore', 'resume']);
    expect(status).toBe('up');
    expect(emulator.gate.isOpen).toBe(true);
    expect(emulator.recovery.restorations()).toBe(1);
    expect(emulator.lines.join('\n')).toMatch(/moto \(pid 4242\) exited/);
    expect(emulator.lines.at(-1)).toMatch(/is gone: burst tasks, drain executions, workload state/);
  });

  it('waits, paused, while moto it owns still runs but does not answer', async () => {
    // Prepare
    const emulator = scripted();
    emulator.answer('down', 'down', 'ok');

    // Act
    const first = await emulator.recovery.check();
    const second = await emulator.recovery.check();
    const paused = emulator.gate.isOpen;
    const third = await emulator.recovery.check();

    // Assess
    expect([first, second, third]).toEqual(['down', 'down', 'up']);
    expect(paused).toBe(false);
    expect(emulator.calls).toEqual(['probe:down', 'pause', 'probe:down', 'probe:ok', 'resume']);
    expect(emulator.recovery.restorations()).toBe(0);
  });

  it('never restarts an emulator it does not own, and re-provisions it once it is back empty', async () => {
    // Prepare
    const emulator = scripted({ owned: false });
    emulator.answer('down', 'empty');

    // Act
    await emulator.recovery.check();
    const paused = emulator.gate.isOpen;
    await emulator.recovery.check();

    // Assess
    expect(paused).toBe(false);
    expect(emulator.calls).toEqual(['probe:down', 'pause', 'probe:empty', 'restore', 'resume']);
    expect(emulator.recovery.restorations()).toBe(1);
  });

  it('names every id that came out different after a restore, and does not claim they are the same', async () => {
    // Prepare
    const emulator = scripted();
    emulator.answer('empty');
    emulator.drift(['local-subnet-a in us-west-2: subnet-1 → subnet-2']);

    // Act
    await emulator.recovery.check();

    // Assess
    expect(emulator.lines).toContain(
      'emulator restored with a different local-subnet-a in us-west-2: subnet-1 → subnet-2: the functions still use the old one; restart the runtime',
    );
    expect(emulator.lines.at(-1)).toMatch(/restored with different ids/);
    expect(emulator.lines.join('\n')).not.toMatch(/with the same resources and ids/);
  });

  it('re-provisions an emulator that answers but lost the resources, without restarting it', async () => {
    // Prepare
    const emulator = scripted();
    emulator.answer('empty');

    // Act
    await emulator.recovery.check();

    // Assess
    expect(emulator.calls).toEqual(['probe:empty', 'pause', 'restore', 'resume']);
  });

  it('stays paused and tries again on the next check when a restart or a restore fails', async () => {
    // Prepare
    const emulator = scripted();
    emulator.kill();
    emulator.failRestart(true);
    emulator.answer('down', 'down', 'empty', 'empty');

    // Act
    await emulator.recovery.check();
    emulator.failRestart(false);
    emulator.failRestore(true);
    await emulator.recovery.check();
    const pausedAfterFailures = !emulator.gate.isOpen;
    emulator.failRestore(false);
    await emulator.recovery.check();

    // Assess
    expect(pausedAfterFailures).toBe(true);
    expect(emulator.calls).toEqual([
      'probe:down',
      'pause',
      'restart',
      'probe:down',
      'restart',
      'restore',
      'probe:empty',
      'restore',
      'resume',
    ]);
    expect(emulator.recovery.status()).toBe('up');
    expect(emulator.recovery.restorations()).toBe(1);
    expect(emulator.lines.filter((l) => /will retry/.test(l))).toHaveLength(2);
  });

  it('pauses only once the work under way has left the gate', async () => {
    // Prepare: a poll round holds the gate when the emulator is found dead.
    const emulator = scripted();
    const release = emulator.gate.tryEnter();
    emulator.kill();
    emulator.answer('down');

    // Act
    const checking = emulator.recovery.check();
    await Promise.resolve();
    const restartedEarly = emulator.calls.includes('restart');
    release?.();
    await checking;

    // Assess
    expect(restartedEarly).toBe(false);
    expect(emulator.calls).toEqual(['probe:down', 'pause', 'restart', 'restore', 'resume']);
  });
});
