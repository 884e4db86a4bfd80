import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp, removeTemporaryDirectories } from './synth-spillway';

afterAll(removeTemporaryDirectories);

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** Every resource of the environment that holds data, with the stack it is in. */
function statefulResources(environment: string) {
  const { control, burst } = buildTestApp({ environment });
  const stacks = [control, ...burst.values()];
  const resources = stacks.flatMap((stack) =>
    Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, CfnResource>).map(
      ([id, resource]) => ({ id: `${stack.stackName}/${id}`, ...resource }),
    ),
  );
  const of = (type: string) => resources.filter((r) => r.Type === type);
  return {
    stacks,
    tables: of('AWS::DynamoDB::Table'),
    queues: of('AWS::SQS::Queue'),
    secrets: of('AWS::SecretsManager::Secret'),
  };
}

describe('prod keeps its data through a stack deletion or a replacement', () => {
  const prod = statefulResources('prod');

  it('retains every table, queue and secret, and the tables refuse DeleteTable', () => {
    // Assess
    expect(prod.tables.length).toBeGreaterThan(0);
    expect(prod.queues.length).toBeGreaterThan(0);
    for (const resource of [...prod.tables, ...prod.queues, ...prod.secrets]) {
      expect(resource.DeletionPolicy, resource.id).toBe('Retain');
      expect(resource.UpdateReplacePolicy, resource.id).toBe('Retain');
    }
    for (const table of prod.tables) {
      expect(table.Properties?.DeletionProtectionEnabled, table.id).toBe(true);
    }
  });

  it('has termination protection on every stack', () => {
    // Assess
    for (const stack of prod.stacks) expect(stack.terminationProtection, stack.stackName).toBe(true);
  });
});

describe.each(['dev', 'staging'] as const)('%s can be torn down', (environment) => {
  it('deletes its tables and queues with the stack, and the tables allow it', () => {
    // Prepare
    const { tables, queues, stacks } = statefulResources(environment);

    // Assess
    for (const resource of [...tables, ...queues])
      expect(resource.DeletionPolicy, resource.id).toBe('Delete');
    for (const table of tables) expect(table.Properties?.DeletionProtectionEnabled, table.id).not.toBe(true);
    for (const stack of stacks) expect(stack.terminationProtection).toBe(false);
  });
});
