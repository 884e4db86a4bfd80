import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** The environments the CDK app deploys; `local` exists only on the embedded emulator. */
export const deployEnvironments = ['dev', 'staging', 'prod'] as const;
export type DeployEnvironment = (typeof deployEnvironments)[number];

/** Raised when `-c env=…` is missing or names no deployable environment. */
export class DeployEnvironmentError extends Error {
  override readonly name = 'DeployEnvironmentError';
}

/** Validates the `env` context value: `npx cdk synth -c env=prod`. */
export function resolveDeployEnvironment(value: unknown): DeployEnvironment {
  if (typeof value === 'string' && (deployEnvironments as readonly string[]).includes(value)) {
    return value as DeployEnvironment;
  }
  const got = value === undefined ? 'it is not set' : `got ${JSON.stringify(value)}`;
  throw new DeployEnvironmentError(
    `Spillway needs a target environment: pass -c env=<${deployEnvironments.join('|')}> (${got})`,
  );
}

/** Log retention: long enough to investigate an incident after the fact where it matters. */
export function logRetentionFor(environment: string): RetentionDays {
  return environment === 'staging' || environment === 'prod'
    ? RetentionDays.THREE_MONTHS
    : RetentionDays.ONE_MONTH;
}

/** Stateful resources (tables, secrets, logs) survive a stack deletion in prod only. */
export function removalPolicyFor(environment: string): RemovalPolicy {
  return environment === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

/** Tables refuse deletion in prod: a replaced table loses every workload's state and the decision log. */
export function deletionProtectionFor(environment: string): boolean {
  return environment === 'prod';
}
