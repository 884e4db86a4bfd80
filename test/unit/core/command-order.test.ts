import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/core/policy';
import { aCommand, aState, at, aWorkload } from '../factories';

const workload = aWorkload();

describe('operator commands the queue delivers out of order', () => {
  it('ignores a pause issued before the resume already applied, and says so', () => {
    // Prepare: a resume issued at +10 s has been applied
    const resumed = decide({
      workload,
      state: aState({ version: 1 }),
      signals: [],
      commands: [aCommand({ id: 'resume-1', action: 'resume', issuedAt: 10 })],
      now: at(20),
    });

    // Act: the pause issued at +5 s arrives after it
    const late = decide({
      workload,
      state: { ...resumed.next, version: 2 },
      signals: [],
      commands: [aCommand({ id: 'pause-1', action: 'pause', issuedAt: 5 })],
      now: at(30),
    });

    // Assess
    expect(late.next.paused).toBeUndefined();
    expect(late.decision.commands).toEqual([{ id: 'pause-1', action: 'pause', outcome: 'stale' }]);
    expect(late.decision.action).toEqual({ kind: 'ignored' });
    expect(late.decision.reason).toMatch(/issued before a newer one of the same control/);
  });

  it('still applies a newer command of the same control, and an older one of another', () => {
    // Prepare
    const paused = decide({
      workload,
      state: aState({ version: 1 }),
      signals: [],
      commands: [aCommand({ id: 'pause-1', action: 'pause', issuedAt: 10 })],
      now: at(20),
    });

    // Act
    const next = decide({
      workload,
      state: { ...paused.next, version: 2 },
      signals: [],
      commands: [
        aCommand({ id: 'resume-1', action: 'resume', issuedAt: 15 }),
        aCommand({ id: 'dry-1', action: 'dry_run_on', issuedAt: 1 }),
      ],
      now: at(30),
    });

    // Assess
    expect(next.next.paused).toBeUndefined();
    expect(next.next.dryRun).toBeDefined();
  });
});
