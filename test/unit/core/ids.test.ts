import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digest, drainExecutionName, runTaskClientToken, taskIdOf } from '../../../src/core/ids';
import { taskArnOf } from '../factories';

const DECISION_ID = 'd-0123456789abcdef01234567';
const TASK_ID = '0123456789abcdef0123456789abcdef';
const TASK_ARN = taskArnOf('us-west-2', 'spillway-burst', TASK_ID);

/** Decision ids as the policy makes them: `d-` and 24 hex digits. */
const decisionIdArb = fc.stringMatching(/^[0-9a-f]{24}$/).map((hex) => `d-${hex}`);
const regionArb = fc.constantFrom(
  'us-west-2',
  'eu-west-1',
  'ap-southeast-2',
  'us-gov-west-1',
  'eu-central-1',
);

describe('digest', () => {
  it('is a hex string of the requested length, stable for the same parts', () => {
    expect(digest(['a', 'b'])).toMatch(/^[0-9a-f]{24}$/);
    expect(digest(['a', 'b'], 8)).toMatch(/^[0-9a-f]{8}$/);
    expect(digest(['a', 'b'])).toBe(digest(['a', 'b']));
  });

  it('separates the parts, so shifting text between them changes the digest', () => {
    expect(digest(['ab', 'c'])).not.toBe(digest(['a', 'bc']));
  });
});

describe('taskIdOf', () => {
  it('takes the last segment of a task ARN', () => {
    expect(taskIdOf(TASK_ARN)).toBe(TASK_ID);
  });

  it('refuses an ARN that ends without an id', () => {
    expect(() => taskIdOf('arn:aws:ecs:us-west-2:123456789012:task/spillway-burst/')).toThrow(
      'not an ECS task ARN: arn:aws:ecs:us-west-2:123456789012:task/spillway-burst/',
    );
  });
});

describe('runTaskClientToken', () => {
  it('joins the decision id, a digest of the region and the batch number', () => {
    // Act
    const token = runTaskClientToken(DECISION_ID, 'us-west-2', 2);

    // Assess
    expect(token).toBe(`${DECISION_ID}-${digest(['us-west-2'], 8)}-2`);
    expect(token).toMatch(/^d-[0-9a-f]{24}-[0-9a-f]{8}-2$/);
  });

  it('is at most 64 characters, and the same for the same decision, region and batch', () => {
    fc.assert(
      fc.property(
        decisionIdArb,
        regionArb,
        fc.integer({ min: 0, max: 99_999 }),
        (decisionId, region, batch) => {
          const token = runTaskClientToken(decisionId, region, batch);
          expect(token.length).toBeLessThanOrEqual(64);
          expect(runTaskClientToken(decisionId, region, batch)).toBe(token);
        },
      ),
    );
  });

  it('differs between batches, regions and decisions', () => {
    const tokens = new Set([
      runTaskClientToken(DECISION_ID, 'us-west-2', 0),
      runTaskClientToken(DECISION_ID, 'us-west-2', 1),
      runTaskClientToken(DECISION_ID, 'eu-west-1', 0),
      runTaskClientToken('d-76543210fedcba9876543210', 'us-west-2', 0),
    ]);
    expect(tokens.size).toBe(4);
  });

  it('refuses to make a token longer than RunTask accepts', () => {
    expect(() => runTaskClientToken(`d-${'a'.repeat(60)}`, 'us-west-2', 0)).toThrow(
      /^clientToken longer than 64 characters: /,
    );
  });
});

describe('drainExecutionName', () => {
  it('names the drain after the workload and the task id', () => {
    expect(drainExecutionName('checkout-api', TASK_ARN)).toBe(`checkout-api-${TASK_ID}`);
  });

  it('keeps the full name for the longest workload name the config allows (40 characters)', () => {
    const name = drainExecutionName('w'.repeat(40), TASK_ARN);
    expect(name).toBe(`${'w'.repeat(40)}-${TASK_ID}`);
    expect(name).toHaveLength(73);
  });

  it('replaces characters Step Functions does not allow in a name', () => {
    expect(drainExecutionName('checkout.api v2', 'arn:aws:ecs:us-west-2:1:task/c/ab:c%d')).toBe(
      'checkout-api-v2-ab-c-d',
    );
  });

  it('shortens a long name to 80 characters, keeping it unique with a digest', () => {
    // Prepare
    const workload = 'w'.repeat(60);
    const other = taskArnOf('us-west-2', 'spillway-burst', 'fedcba9876543210fedcba9876543210');

    // Act
    const one = drainExecutionName(workload, TASK_ARN);
    const two = drainExecutionName(workload, other);

    // Assess
    expect(one).toHaveLength(80);
    expect(one).toMatch(/^w{55}-[0-9a-f]{24}$/);
    expect(two).toHaveLength(80);
    expect(two).not.toBe(one);
  });

  it('is at most 80 characters of [A-Za-z0-9_-], and deterministic, for any workload and task', () => {
    const segment = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 120 })
      .filter((s) => !s.includes('/'));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), segment, (workload, taskId) => {
        const arn = `arn:aws:ecs:us-west-2:123456789012:task/cluster/${taskId}`;
        const name = drainExecutionName(workload, arn);
        expect(name.length).toBeGreaterThan(0);
        expect(name.length).toBeLessThanOrEqual(80);
        expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(drainExecutionName(workload, arn)).toBe(name);
      }),
    );
  });
});
