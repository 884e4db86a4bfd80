import { describe, expect, it } from 'vitest';
import { executionArnOf } from '../../../src/adapters/drain-starter';
import { drainExecutionName } from '../../../src/core/ids';
import { drainIdOf, startedCurrentDrain } from '../../../src/usecases/drain-naming';
import { aTask, isoAt } from '../factories';
import { drainStateMachineArn } from '../fakes';

describe('drainIdOf', () => {
  const task = aTask({ taskId: '0123456789abcdef0123456789abcdef', drainRequestedAt: isoAt(0) });
  const legacy = drainExecutionName('checkout-api', task.taskArn);

  it('names each drain request apart, and the same request the same', () => {
    const again = aTask({ taskId: task.taskId, drainRequestedAt: isoAt(60) });
    expect(drainIdOf('checkout-api', task)).not.toBe(drainIdOf('checkout-api', again));
    expect(drainIdOf('checkout-api', task)).toBe(drainIdOf('checkout-api', { ...task }));
    expect(drainIdOf('checkout-api', task).length).toBeLessThanOrEqual(80);
  });

  it('keeps the name of a drain the previous version started, so it is not started twice', () => {
    const started = {
      ...task,
      status: 'draining' as const,
      drainExecution: executionArnOf(drainStateMachineArn('us-west-2'), legacy),
    };
    expect(drainIdOf('checkout-api', started)).toBe(legacy);
    expect(startedCurrentDrain('checkout-api', started)).toBe(true);
  });
});
