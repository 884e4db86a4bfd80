import {
  AccessDeniedException,
  ClientException,
  ClusterNotFoundException,
  ConflictException,
  type ECSClient,
  InvalidParameterException,
  PlatformTaskDefinitionIncompatibilityException,
  ServerException,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import {
  BurstCompute,
  classifyFailure,
  type RunBurstTasksRequest,
  RunTaskError,
} from '../../../src/adapters/burst-compute';
import { AdapterError } from '../../../src/adapters/errors';
import { aWorkload } from '../factories';

const burstRegion = aWorkload().burstRegions[0] as RunBurstTasksRequest['burstRegion'];

const request = (overrides: Partial<RunBurstTasksRequest> = {}): RunBurstTasksRequest => ({
  burstRegion,
  count: 2,
  capacity: 'on_demand',
  clientToken: 'd-abc-12345678-0',
  tags: { 'spillway:workload': 'checkout-api' },
  ...overrides,
});

/** An ECS client whose `send` records the command input and answers (or throws) with `answer`. */
function fakeEcs(answer: () => unknown) {
  const calls: { region: string; input: Record<string, unknown> }[] = [];
  const ecsFor = (region: string) =>
    ({
      send: async (command: { input: Record<string, unknown> }) => {
        calls.push({ region, input: command.input });
        return answer();
      },
    }) as unknown as ECSClient;
  return { compute: new BurstCompute(ecsFor), calls };
}

const sdkError = <T extends Error>(
  Type: new (options: { message: string; $metadata: object }) => T,
  message: string,
) => new Type({ message, $metadata: {} });

const thrown = async (compute: BurstCompute): Promise<RunTaskError> => {
  const error = await compute.runBurstTasks(request()).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RunTaskError)) throw new Error(`expected a RunTaskError, got ${String(error)}`);
  return error;
};

describe('BurstCompute.runBurstTasks', () => {
  it('starts on-demand tasks with the FARGATE launch type and no capacity provider strategy', async () => {
    // Prepare
    const { compute, calls } = fakeEcs(() => ({ tasks: [], failures: [] }));

    // Act
    await compute.runBurstTasks(request());

    // Assess
    expect(calls[0]?.region).toBe('us-west-2');
    expect(calls[0]?.input.launchType).toBe('FARGATE');
    expect(calls[0]?.input).not.toHaveProperty('capacityProviderStrategy');
    expect(calls[0]?.input).toMatchObject({
      count: 2,
      clientToken: 'd-abc-12345678-0',
      startedBy: 'spillway',
    });
  });

  it('starts Spot tasks through the FARGATE_SPOT capacity provider, without a launch type', async () => {
    // Prepare
    const { compute, calls } = fakeEcs(() => ({ tasks: [], failures: [] }));

    // Act
    await compute.runBurstTasks(request({ capacity: 'spot' }));

    // Assess: ECS refuses a request that names both
    expect(calls[0]?.input.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE_SPOT', weight: 1 },
    ]);
    expect(calls[0]?.input).not.toHaveProperty('launchType');
  });

  it('returns the started tasks and classifies each failure', async () => {
    // Prepare
    const { compute } = fakeEcs(() => ({
      tasks: [
        { taskArn: 'arn:aws:ecs:us-west-2:123456789012:task/spillway-burst/a', lastStatus: 'PROVISIONING' },
      ],
      failures: [
        {
          reason:
            'Capacity is unavailable at this time. Please try again later or in a different availability zone',
        },
        { reason: 'RESOURCE:ENI' },
        { reason: 'AGENT' },
        { reason: 'Rate exceeded' },
      ],
    }));

    // Act
    const result = await compute.runBurstTasks(request({ count: 5 }));

    // Assess
    expect(result.tasks).toEqual([
      { taskArn: 'arn:aws:ecs:us-west-2:123456789012:task/spillway-burst/a', lastStatus: 'PROVISIONING' },
    ]);
    expect(result.failures.map((f) => f.problem)).toEqual(['capacity', 'capacity', 'capacity', 'throttling']);
  });

  it('refuses more than RunTask takes in one call', async () => {
    // Prepare
    const { compute, calls } = fakeEcs(() => ({}));

    // Act + Assess
    await expect(compute.runBurstTasks(request({ count: 11 }))).rejects.toThrow(RangeError);
    expect(calls).toEqual([]);
  });

  it.each([
    [
      'ThrottlingException',
      () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
      'throttling',
    ],
    ['a Rate exceeded ClientException', () => sdkError(ClientException, 'Rate exceeded'), 'throttling'],
    [
      'ClusterNotFoundException',
      () => sdkError(ClusterNotFoundException, 'Cluster not found.'),
      'missing_cluster',
    ],
    [
      'RunTask on a deleted (INACTIVE) cluster',
      () =>
        sdkError(
          InvalidParameterException,
          'The specified cluster is inactive. Specify an active cluster and try again.',
        ),
      'missing_cluster',
    ],
    [
      'a capacity ClientException',
      () => sdkError(ClientException, 'Capacity is unavailable at this time.'),
      'capacity',
    ],
    ['AccessDeniedException', () => sdkError(AccessDeniedException, 'not authorized'), 'permanent'],
    ['InvalidParameterException', () => sdkError(InvalidParameterException, 'bad subnet'), 'permanent'],
    ['ServerException', () => sdkError(ServerException, 'Service Unavailable'), 'transient'],
    ['a network error', () => Object.assign(new Error('socket hang up'), { name: 'Error' }), 'transient'],
  ] as const)('classifies %s as %s', async (_name, error, problem) => {
    // Prepare
    const { compute } = fakeEcs(() => {
      throw error();
    });

    // Act
    const failure = await thrown(compute);

    // Assess
    expect(failure.problem).toBe(problem);
    expect(failure).toBeInstanceOf(AdapterError);
    expect(failure.message).toMatch(/^ecs RunTask failed: /);
  });

  it('marks a missing cluster and permanent faults as not retryable, throttling and 5xx as retryable', async () => {
    // Prepare
    const outcomes: Record<string, boolean> = {};
    for (const [name, error] of [
      ['missing', sdkError(ClusterNotFoundException, 'Cluster not found.')],
      ['denied', sdkError(AccessDeniedException, 'no')],
      ['throttled', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })],
      ['server', sdkError(ServerException, 'oops')],
    ] as const) {
      const { compute } = fakeEcs(() => {
        throw error;
      });

      // Act
      outcomes[name] = (await thrown(compute)).retryable;
    }

    // Assess
    expect(outcomes).toEqual({ missing: false, denied: false, throttled: true, server: true });
  });

  it.each([
    [
      'ConflictException',
      () => sdkError(ConflictException, 'The clientToken is already in use with a different RunTask request'),
      /clientToken is already used by a RunTask request with other parameters/,
    ],
    [
      'PlatformTaskDefinitionIncompatibilityException',
      () =>
        sdkError(
          PlatformTaskDefinitionIncompatibilityException,
          'The specified platform does not satisfy the task definition required capabilities',
        ),
      /fix the workload's task definition/,
    ],
  ] as const)('treats %s as permanent and says what to fix', async (_name, error, hint) => {
    // Prepare
    const { compute } = fakeEcs(() => {
      throw error();
    });

    // Act
    const failure = await thrown(compute);

    // Assess: never retried as a transient fault, and the log line tells the operator what to do
    expect(failure.problem).toBe('permanent');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(hint);
  });
});

describe('classifyFailure', () => {
  it.each([
    ['RESOURCE:CPU', undefined, 'capacity'],
    ['RESOURCE:FARGATE', 'capacity unavailable', 'capacity'],
    ['AGENT', undefined, 'capacity'],
    ['Capacity is unavailable at this time. Please try again later', undefined, 'capacity'],
    ['Rate exceeded', undefined, 'throttling'],
    ['ATTRIBUTE', 'requiresAttributes', 'capacity'],
  ] as const)('%s (%s) is %s', (reason, detail, problem) => {
    expect(classifyFailure(reason, detail)).toBe(problem);
  });
});
