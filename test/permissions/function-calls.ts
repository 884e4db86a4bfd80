import { readFileSync } from 'node:fs';
import type { RecordedCall } from '../../src/local/call-recorder';
import type { DeployedEnvironment } from './deployed-environment';
import { evaluate, type Request } from './evaluate';
import { classify, instancesOf, type TargetKind } from './targets';

/** The calls the integration suite recorded; throws when there is no record to judge. */
export function readRecordedCalls(file: string): RecordedCall[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no record of AWS calls at ${file}: run the integration suite first (make integration)`);
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RecordedCall);
}

/** A recorded call, reduced to what every environment can judge: who did what to which kind of resource. */
interface CallShape {
  readonly fn: string;
  readonly action: string;
  readonly kind: TargetKind;
  /** Condition keys the call carried, other than the cluster (which each environment has its own of). */
  readonly context: Readonly<Record<string, string>>;
  readonly inCluster: boolean;
  /** One call it stands for, to name in a finding. */
  readonly example: RecordedCall;
}

/** Distinct call shapes, and findings for calls that cannot be judged at all. */
export function callShapes(calls: readonly RecordedCall[]): { shapes: CallShape[]; findings: string[] } {
  const shapes = new Map<string, CallShape>();
  const findings = new Set<string>();
  for (const call of calls) {
    const named = `${call.fn} called ${call.client} ${call.operation} in ${call.region}`;
    if (call.unmodelled) {
      findings.add(`${named}, which src/local/call-targets.ts does not model (${call.unmodelled})`);
      continue;
    }
    const kind = classify(call.resource, call.action, call.environment);
    if (!kind) {
      findings.add(`${named} on ${call.resource}, which is not one of Spillway's resources`);
      continue;
    }
    const { 'ecs:cluster': cluster, ...context } = call.context ?? {};
    const shape = { fn: call.fn, action: call.action, kind, context, inCluster: cluster !== undefined };
    const key = JSON.stringify(shape);
    if (!shapes.has(key)) shapes.set(key, { ...shape, example: call });
  }
  return { shapes: [...shapes.values()], findings: [...findings] };
}

const describeRequest = (request: Request) =>
  `${request.action} on ${request.resource}${
    Object.keys(request.context).length > 0 ? ` with ${JSON.stringify(request.context)}` : ''
  }`;

/**
 * Every way the environment's roles refuse what the functions were seen to do: each recorded call is
 * tried on every resource of its kind in the environment (the call named one local resource; on AWS
 * the same code addresses each region's and cluster's), RunTask with the roles it passes.
 */
export async function deniedFunctionCalls(
  calls: readonly RecordedCall[],
  deployed: DeployedEnvironment,
): Promise<string[]> {
  const { shapes, findings } = callShapes(calls);
  const denials = [...findings];
  const { resources } = deployed;
  for (const shape of shapes) {
    const policy = deployed.functionPolicies[shape.fn as keyof typeof deployed.functionPolicies];
    if (!policy) {
      denials.push(`${shape.fn} is not a function the app deploys`);
      continue;
    }
    for (const instance of instancesOf(shape.kind, resources)) {
      const requests: Request[] = [
        {
          action: shape.action,
          resource: instance.resource,
          context: {
            ...shape.context,
            ...(shape.inCluster && instance.clusterArn ? { 'ecs:cluster': instance.clusterArn } : {}),
          },
        },
      ];
      // RunTask passes the task definition's roles to ECS: IAM checks iam:PassRole on each.
      if (shape.action === 'ecs:RunTask') {
        for (const role of instance.placement?.passedRoles ?? []) {
          requests.push({
            action: 'iam:PassRole',
            resource: role,
            context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
          });
        }
      }
      for (const request of requests) {
        const verdict = await evaluate(policy, request, resources.account);
        if (!verdict.allowed) {
          denials.push(
            `${resources.environment}: ${shape.fn} may not ${describeRequest(request)} (${verdict.because}); ` +
              `recorded: ${shape.example.operation} on ${shape.example.resource}`,
          );
        }
      }
    }
  }
  return denials;
}
