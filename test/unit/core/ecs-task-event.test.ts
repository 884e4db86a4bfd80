import { describe, expect, it } from 'vitest';
import {
  isSpotInterruptionWarning,
  isTaskStateChange,
  parseTaskStateChange,
  type TaskStateChange,
} from '../../../src/core/ecs-task-event';
import { fixture } from '../factories';

const parsed = (path: string): TaskStateChange => {
  const change = parseTaskStateChange(fixture(path));
  if ('error' in change) throw new Error(change.error);
  return change;
};

describe('ECS Task State Change events', () => {
  it('reads a Fargate Spot interruption warning down to its route, stop code and desired status', () => {
    // Act
    const change = parsed('ecs-events/spot-interruption.json');

    // Assess
    expect(change).toEqual({
      region: 'us-west-2',
      cluster: 'spillway-burst',
      family: 'checkout-api',
      taskArn: 'arn:aws:ecs:us-west-2:123456789012:task/spillway-burst/0f3c8e5d2b7a4c19a6e1d4b8c2f7a903',
      lastStatus: 'RUNNING',
      desiredStatus: 'STOPPED',
      stopCode: 'SpotInterruption',
      startedBySpillway: true,
      version: 4,
      time: '2026-03-01T12:00:00Z',
    });
    expect(isSpotInterruptionWarning(change)).toBe(true);
  });

  it('does not take the stop that follows the warning for another warning', () => {
    // Act
    const change = parsed('ecs-events/task-stopped.json');

    // Assess
    expect([change.lastStatus, change.stopCode, change.version]).toEqual(['STOPPED', 'SpotInterruption', 6]);
    expect(isSpotInterruptionWarning(change)).toBe(false);
  });

  it('tells a Spot interruption from other stops of a running task', () => {
    // Prepare
    const base = parsed('ecs-events/spot-interruption.json');

    // Assess
    expect(isSpotInterruptionWarning({ ...base, stopCode: 'UserInitiated' })).toBe(false);
    expect(isSpotInterruptionWarning({ ...base, stopCode: undefined })).toBe(false);
    expect(isSpotInterruptionWarning({ ...base, desiredStatus: 'RUNNING' })).toBe(false);
  });

  it('reads events without the optional fields, and rejects what is not a task state change', () => {
    // Prepare
    const event = fixture('ecs-events/spot-interruption.json') as { detail: Record<string, unknown> };
    const { stopCode: _code, desiredStatus: _desired, version: _version, ...detail } = event.detail;

    // Act
    const minimal = parseTaskStateChange({ ...event, detail });
    const broken = parseTaskStateChange({ ...event, detail: { ...detail, taskArn: '' } });

    // Assess
    expect(minimal).toMatchObject({ stopCode: undefined, desiredStatus: undefined, version: undefined });
    expect(broken).toHaveProperty('error');
    expect(isTaskStateChange(fixture('ecs-events/spot-interruption.json'))).toBe(true);
    expect(isTaskStateChange({ 'detail-type': 'Scheduled Event' })).toBe(false);
  });

  it('says in English why an event is not a task state change, as the log shows it', () => {
    // Prepare: zod/mini has no messages of its own, so these pin the English the parser supplies.
    const event = fixture('ecs-events/spot-interruption.json') as { detail: Record<string, unknown> };

    // Act
    const rejections = [
      parseTaskStateChange({ ...event, detail: { ...event.detail, version: 4.5 } }),
      parseTaskStateChange({ ...event, detail: { ...event.detail, taskArn: '' } }),
      parseTaskStateChange({ ...event, source: 'aws.ec2' }),
      parseTaskStateChange(null),
    ];

    // Assess
    expect(rejections.map((r) => ('error' in r ? r.error : r))).toEqual([
      'not an ECS Task State Change event: Invalid input: expected int, received number',
      'not an ECS Task State Change event: Too small: expected string to have >=1 characters',
      'not an ECS Task State Change event: Invalid input: expected "aws.ecs"',
      'not an ECS Task State Change event: Invalid input: expected object, received null',
    ]);
  });
});
