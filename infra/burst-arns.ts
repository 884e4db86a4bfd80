import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { resourceNames } from '../src/runtime/env-names';

/** Name of the role burst task containers run as, one per region (IAM is global). */
export const burstTaskRoleName = (environment: string, region: string): string =>
  resourceNames(environment).burstTaskRole(region);

/**
 * ARNs of the burst-region resources, built from their fixed names: the control-plane stack
 * deploys in another region and cannot reference them, and must not need to.
 */
export function burstArns(scope: IConstruct, environment: string) {
  const stack = Stack.of(scope);
  const names = resourceNames(environment);
  return {
    cluster: (region: string, cluster: string) =>
      stack.formatArn({ service: 'ecs', region, resource: 'cluster', resourceName: cluster }),
    /** Every task of a cluster: ECS task ARNs are `task/<cluster>/<id>`. */
    tasksOf: (region: string, cluster: string) =>
      stack.formatArn({ service: 'ecs', region, resource: 'task', resourceName: `${cluster}/*` }),
    /** Every revision of a task definition family. */
    taskDefinitionFamily: (region: string, family: string) =>
      stack.formatArn({ service: 'ecs', region, resource: 'task-definition', resourceName: `${family}:*` }),
    drainStateMachine: (region: string) =>
      stack.formatArn({
        service: 'states',
        region,
        resource: 'stateMachine',
        resourceName: names.drainStateMachine,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    /** Every execution of the drain state machine. */
    drainExecutions: (region: string) =>
      stack.formatArn({
        service: 'states',
        region,
        resource: 'execution',
        resourceName: `${names.drainStateMachine}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    drainLedgerTable: (region: string) =>
      stack.formatArn({
        service: 'dynamodb',
        region,
        resource: 'table',
        resourceName: names.drainLedgerTable,
      }),
    taskExecutionRole: (region: string) =>
      stack.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: names.taskExecutionRole(region),
      }),
    taskRole: (region: string) =>
      stack.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: burstTaskRoleName(environment, region),
      }),
  };
}
