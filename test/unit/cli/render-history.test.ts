import { describe, expect, it } from 'vitest';
import { renderDecision, renderHistory } from '../../../src/cli/render-history';
import type { Decision } from '../../../src/core/decision';
import { taskLabel } from '../../../src/core/ids';
import { isoAt } from '../factories';

const decision = (overrides: Partial<Decision>): Decision => ({
  id: 'd-1',
  workload: 'checkout-api',
  at: isoAt(0),
  action: { kind: 'hold' },
  reason: 'no alert firing',
  signals: [],
  liveTasks: 0,
  firingAlerts: [],
  tick: true,
  ...overrides,
});

describe('renderDecision', () => {
  it('shows a scale-out with its placements, kept drains, cost and the regions weighed', () => {
    const line = renderDecision(
      decision({
        action: {
          kind: 'scale_out',
          placements: [
            { region: 'us-west-2', count: 2, spot: 1 },
            { region: 'eu-west-1', count: 1 },
          ],
          cancelDrains: [
            {
              taskArn: 'arn:aws:ecs:us-west-2:123456789012:task/burst/0123456789abcdef',
              region: 'us-west-2',
            },
          ],
        },
        reason:
          '1 alert(s) firing: keep 1 draining task(s) (drain cancelled), start 2 in us-west-2 (1 on Spot), 1 in eu-west-1',
        costPerHour: 0.17,
        candidates: [
          { region: 'us-west-2', score: 1, preference: 1, weight: 1, live: 1, room: 2, chosen: 2 },
          { region: 'eu-west-1', score: 2.125, preference: 2, weight: 1, live: 0, room: 5, chosen: 1 },
          {
            region: 'ap-south-1',
            score: 3,
            preference: 3,
            weight: 1,
            live: 0,
            room: 5,
            chosen: 0,
            skipped: 'circuit open',
          },
        ],
      }),
    );

    expect(line).toBe(
      `${isoAt(0)}  scale_out  1 alert(s) firing: keep 1 draining task(s) (drain cancelled), start 2 in us-west-2 (1 on Spot), 1 in eu-west-1` +
        ' · kept draining: us-west-2/01234567' +
        ' · cost ≈0.1700/h' +
        ' · regions: us-west-2 score 1 took 2, eu-west-1 score 2.13 took 1, ap-south-1 score 3 skipped: circuit open',
    );
  });

  it('shows a scale-in with the tasks it drains, and the commands a decision applied', () => {
    const line = renderDecision(
      decision({
        action: {
          kind: 'scale_in',
          tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:1:task/b/feedfacecafe', region: 'eu-west-1' }],
        },
        reason: 'operator drain 1 by alice ("peak over"): draining 1 task(s)',
        commands: [{ id: 'cmd-9', action: 'drain', outcome: 'applied' }],
        costPerHour: 0,
      }),
    );
    expect(line).toBe(
      `${isoAt(0)}  scale_in   operator drain 1 by alice ("peak over"): draining 1 task(s)` +
        ' · tasks: eu-west-1/feedface · cost ≈0.0000/h · commands: drain cmd-9 applied',
    );
  });

  it('says what was started once, in the reason, not again after it', () => {
    // Act
    const line = renderDecision(
      decision({
        action: { kind: 'scale_out', placements: [{ region: 'us-west-2', count: 2 }] },
        reason: '1 alert(s) firing (alertmanager:3a5b8c1d2e4f6071): start 2 in us-west-2',
      }),
    );

    // Assess
    expect(line).toBe(
      `${isoAt(0)}  scale_out  1 alert(s) firing (alertmanager:3a5b8c1d2e4f6071): start 2 in us-west-2`,
    );
  });

  it('adds the placements when the reason does not carry them', () => {
    // Act
    const line = renderDecision(
      decision({
        action: { kind: 'scale_out', placements: [{ region: 'eu-west-1', count: 1, spot: 1 }] },
        reason: 'replacing 1 burst task(s) that stopped on their own while 1 alert(s) fire',
      }),
    );

    // Assess
    expect(line).toBe(
      `${isoAt(0)}  scale_out  replacing 1 burst task(s) that stopped on their own while 1 alert(s) fire` +
        ' · start 1 in eu-west-1 (1 on Spot)',
    );
  });

  it('names a task one way throughout: its region and the first 8 characters of its id', () => {
    // Prepare: the task as the decide and reconcile functions name it in their reasons
    const arn = 'arn:aws:ecs:us-west-2:123456789012:task/burst/0123456789abcdef0123456789abcdef';
    const drained = decision({
      action: { kind: 'scale_in', tasks: [{ taskArn: arn, region: 'us-west-2' }] },
      reason: 'no alert firing: draining 1 task(s) (1 live, floor 0)',
    });
    const retried = decision({
      reason: `failed drains retried: ${taskLabel('us-west-2', arn)}: drain failed 1 time(s) (StopTask refused); draining it again`,
    });

    // Act
    const text = renderHistory('checkout-api', [retried, drained]);

    // Assess
    expect(text.match(/us-west-2\/01234567\b/g)).toHaveLength(2);
    expect(text).not.toContain('0123456789abcdef');
  });

  it('keeps a hold to its reason, and a decision from before the new fields still reads', () => {
    expect(renderDecision(decision({}))).toBe(`${isoAt(0)}  hold       no alert firing`);
  });
});

describe('renderHistory', () => {
  it('one line per decision, newest first as given; says so when there is none', () => {
    const text = renderHistory('checkout-api', [decision({ at: isoAt(60) }), decision({ at: isoAt(0) })]);
    expect(text.split('\n').map((l) => l.slice(0, 24))).toEqual([isoAt(60), isoAt(0)]);
    expect(renderHistory('checkout-api', [])).toBe('no decisions logged for checkout-api yet');
  });
});
