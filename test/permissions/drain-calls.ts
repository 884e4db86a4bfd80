import type { DeployedDrainWorkflow, DeployedEnvironment } from './deployed-environment';
import { evaluate, type Request } from './evaluate';
import { instancesOf, type TargetKind } from './targets';

/** One call a Task state of the drain workflow makes. */
export interface WorkflowCall {
  readonly state: string;
  readonly action: string;
  readonly kind: TargetKind;
  readonly inCluster: boolean;
}

/** The SDK's service names in `aws-sdk:<service>:<operation>` integrations, as IAM prefixes. */
const IAM_PREFIX_OF_SDK_SERVICE: Readonly<Record<string, string>> = {
  dynamodb: 'dynamodb',
  ecs: 'ecs',
  elasticloadbalancingv2: 'elasticloadbalancing',
  sfn: 'states',
};

/** The parameters that may name a call's resource, per service. */
const RESOURCE_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  dynamodb: ['TableName.$'],
  ecs: ['Task.$', 'Tasks.$'],
  elasticloadbalancing: ['TargetGroupArn.$'],
};

/** Which resource each path of the drain input (src/workflow/drain-definition.ts DrainInput) holds. */
const KIND_OF_INPUT: Readonly<Record<string, TargetKind>> = {
  '$.ledgerTable': 'drainLedger',
  '$.taskArn': 'task',
  'States.Array($.taskArn)': 'task',
  '$.target.targetGroupArn': 'targetGroup',
};

const capitalised = (word: string) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;

/**
 * The calls the definition makes, read from its Task states; a state whose call or resource this
 * cannot tell is returned as a finding, never skipped.
 */
export function workflowCalls(definition: DeployedDrainWorkflow['definition']): {
  calls: WorkflowCall[];
  findings: string[];
} {
  const calls: WorkflowCall[] = [];
  const findings: string[] = [];
  for (const [state, body] of Object.entries(definition.States)) {
    if (body.Type !== 'Task') continue;
    const match = /^arn:[^:]+:states:::(?:aws-sdk:)?([a-z0-9]+):([A-Za-z]+)$/.exec(String(body.Resource));
    const prefix = match?.[1] ? IAM_PREFIX_OF_SDK_SERVICE[match[1]] : undefined;
    if (!match?.[2] || !prefix) {
      findings.push(`state ${state}: cannot tell what IAM action ${String(body.Resource)} is`);
      continue;
    }
    const action = `${prefix}:${capitalised(match[2])}`;
    const parameters = (body.Parameters ?? {}) as Record<string, unknown>;
    const parameter = (RESOURCE_PARAMETERS[prefix] ?? []).find((name) => name in parameters) ?? '?';
    const kind = KIND_OF_INPUT[String(parameters[parameter])];
    if (!kind) {
      findings.push(
        `state ${state}: cannot tell which resource ${action} targets (${parameter} is ${String(parameters[parameter])})`,
      );
      continue;
    }
    calls.push({ state, action, kind, inCluster: prefix === 'ecs' && 'Cluster.$' in parameters });
  }
  return { calls, findings };
}

/** Every call of each region's drain workflow that its role refuses, on every resource of that region. */
export async function deniedWorkflowCalls(deployed: DeployedEnvironment): Promise<string[]> {
  const denials: string[] = [];
  const { resources } = deployed;
  for (const workflow of deployed.drainWorkflows) {
    const { calls, findings } = workflowCalls(workflow.definition);
    denials.push(...findings.map((finding) => `${resources.environment} ${workflow.region}: ${finding}`));
    for (const call of calls) {
      for (const instance of instancesOf(call.kind, resources, workflow.region)) {
        const request: Request = {
          action: call.action,
          resource: instance.resource,
          context: call.inCluster && instance.clusterArn ? { 'ecs:cluster': instance.clusterArn } : {},
        };
        const verdict = await evaluate(workflow.policy, request, resources.account);
        if (!verdict.allowed) {
          denials.push(
            `${resources.environment}: the drain workflow in ${workflow.region} may not ${call.action} on ` +
              `${instance.resource} (state ${call.state}; ${verdict.because})`,
          );
        }
      }
    }
  }
  return denials;
}
