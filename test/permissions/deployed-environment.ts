import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole, IRole } from 'aws-cdk-lib/aws-iam';
import type { FunctionName } from '../../src/runtime/client-hooks';
import {
  buildTestApp,
  removeTemporaryDirectories,
  statementsOfRole,
  TEST_ACCOUNT,
} from '../infra/synth-spillway';
import { resolveIntrinsics, type StackPlace } from './resolve-template';
import type { EnvironmentResources, Placement } from './targets';

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly unknown[];
}

/** One burst region's drain workflow: its role's policy and its definition, as deployed. */
export interface DeployedDrainWorkflow {
  readonly region: string;
  readonly policy: PolicyDocument;
  readonly definition: { readonly States: Record<string, Record<string, unknown>> };
}

/** What one environment deploys that the permission check needs, with every ARN resolved. */
export interface DeployedEnvironment {
  readonly resources: EnvironmentResources;
  readonly functionPolicies: Readonly<Record<FunctionName, PolicyDocument>>;
  readonly drainWorkflows: readonly DeployedDrainWorkflow[];
}

type TemplateJson = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

const placeOf = (stack: Stack): StackPlace => ({
  account: TEST_ACCOUNT,
  region: stack.region,
  partition: 'aws',
});

function policyOfRole(stack: Stack, template: Template, role: IRole): PolicyDocument {
  const logicalId = stack.getLogicalId(role.node.defaultChild as CfnRole);
  const statements = statementsOfRole(template, logicalId);
  return {
    Version: '2012-10-17',
    Statement: resolveIntrinsics(statements, template.toJSON() as TemplateJson, placeOf(stack)) as unknown[],
  };
}

/** Synthesises `environment` offline, as `make synth` does, and reads its roles and resources. */
export function deployedEnvironment(environment: string): DeployedEnvironment {
  const stacks = buildTestApp({ environment });
  try {
    const { control, config } = stacks;
    const controlTemplate = Template.fromStack(control);
    const controlJson = controlTemplate.toJSON() as TemplateJson;
    const { stateless, stateful } = control;
    const functionPolicies = {
      ingest: policyOfRole(control, controlTemplate, stateless.ingest.role),
      decide: policyOfRole(control, controlTemplate, stateless.decide.role),
      reconcile: policyOfRole(control, controlTemplate, stateless.reconcile.role),
    };
    const secretId = control.getLogicalId(stateful.webhookTokenSecret.node.defaultChild as never);
    const webhookSecretArn = String(resolveIntrinsics({ Ref: secretId }, controlJson, placeOf(control)));

    const placements: Placement[] = [];
    const drainWorkflows: DeployedDrainWorkflow[] = [];
    for (const [region, stack] of stacks.burst) {
      const template = Template.fromStack(stack);
      const json = template.toJSON() as TemplateJson;
      const resolve = (value: unknown) => resolveIntrinsics(value, json, placeOf(stack));
      const taskDefinitions = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
      for (const { workload, burstRegion } of config.workloads.flatMap((w) =>
        w.burstRegions.filter((b) => b.region === region).map((b) => ({ workload: w, burstRegion: b })),
      )) {
        const family = burstRegion.taskDefinition.family;
        const definition = taskDefinitions.find((d) => d.Properties?.Family === family);
        if (!definition)
          throw new Error(`${environment}: no task definition ${family} for ${workload.name} in ${region}`);
        placements.push({
          region,
          clusterArn: `arn:aws:ecs:${region}:${TEST_ACCOUNT}:cluster/${burstRegion.cluster}`,
          family,
          ...(burstRegion.targetGroupArn ? { targetGroupArn: burstRegion.targetGroupArn } : {}),
          passedRoles: [definition.Properties.TaskRoleArn, definition.Properties.ExecutionRoleArn]
            .filter(Boolean)
            .map((arn) => String(resolve(arn))),
        });
      }
      const machine = stack.drainWorkflow.stateMachine;
      const cfnMachine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
      drainWorkflows.push({
        region,
        policy: policyOfRole(stack, template, machine.role),
        definition: JSON.parse(String(resolve(cfnMachine?.Properties.DefinitionString))),
      });
    }
    return {
      resources: {
        environment,
        account: TEST_ACCOUNT,
        controlRegion: config.controlRegion,
        placements,
        webhookSecretArn,
      },
      functionPolicies,
      drainWorkflows,
    };
  } finally {
    removeTemporaryDirectories();
  }
}
