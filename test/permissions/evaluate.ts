import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from './deployed-environment';

/** One request as IAM evaluates it for a role in the account. */
export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string>>;
}

export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly because: string };

/**
 * IAM's answer for `request` from a principal whose only policies are `policy` (no SCP, boundary
 * or resource policy: Spillway's resources have none that grant). An action IAM does not know is
 * a denial too, named as such.
 */
export async function evaluate(policy: PolicyDocument, request: Request, account: string): Promise<Verdict> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${account}:role/spillway-function`,
        action: request.action,
        resource: { resource: request.resource, accountId: account },
        contextVariables: { ...request.context },
      },
      identityPolicies: [{ name: 'role', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error')
    return { allowed: false, because: `not evaluable: ${JSON.stringify(result.errors)}` };
  return result.overallResult === 'Allowed'
    ? { allowed: true }
    : { allowed: false, because: result.overallResult };
}
