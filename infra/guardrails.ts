import { type App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
// cdk-nag's own renderer, so the acknowledged ids are exactly the ids it reports.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * Runs cdk-nag's AwsSolutions and Serverless packs over every stack at synth; an unacknowledged
 * error fails synth.
 */
export function addGuardrails(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

/** Acknowledges one cdk-nag finding on `scope` and everything under it; the reason is mandatory. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges AwsSolutions-IAM5 for exactly these wildcard resources. cdk-nag 3 reports one
 * finding per wildcard resource, named after the rendered ARN (`arn:<AWS::Partition>:…:*`), and has
 * no prefix acknowledgement: listing the resources keeps any new wildcard visible.
 */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  resources: readonly string[],
  reason: string,
): void {
  const stack = Stack.of(scope);
  for (const resource of new Set(resources)) {
    const rendered = flattenCfnReference(stack.resolve(resource));
    acknowledge(scope, `AwsSolutions-IAM5[Resource::${rendered}]`, reason);
  }
}
