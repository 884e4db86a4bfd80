import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpillwayStacks } from '../../infra/spillway-app';
import { drainWorkflowDefinition } from '../../src/workflow/drain-definition';
import {
  actionsOf,
  buildTestApp,
  burstStackIn,
  removeTemporaryDirectories,
  resourcesOf,
  resourcesOfStatement,
  statementsAllowing,
  statementsOfRole,
  TEST_ACCOUNT,
  writeConfigVariant,
} from './synth-spillway';

afterAll(removeTemporaryDirectories);

const targetGroupArn = `arn:aws:elasticloadbalancing:eu-west-1:${TEST_ACCOUNT}:targetgroup/checkout/0123456789abcdef`;

/** The state machine's role and every statement it can use, in a burst stack's template. */
function drainRole(template: Template) {
  const [machine] = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
  if (!machine) throw new Error('no drain state machine in the template');
  const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return statementsOfRole(template, roleId);
}

describe('the drain workflow with cancellation, as deployed', () => {
  let stacks: SpillwayStacks & { readonly app: ReturnType<typeof buildTestApp>['app'] };

  beforeAll(() => {
    // Prepare: dev, with a target group in eu-west-1 only
    const configDirectory = writeConfigVariant('dev', (document) => {
      const euWest1 = document.workloads[0]?.burstRegions.find((b) => b.region === 'eu-west-1');
      if (!euWest1) throw new Error('dev config changed: no eu-west-1 burst region');
      euWest1.targetGroupArn = targetGroupArn;
    });
    stacks = buildTestApp({ environment: 'dev', configDirectory });
  });

  it('deploys the definition with its point of no return and its Cancelled ending', () => {
    // Prepare
    const template = Template.fromStack(burstStackIn(stacks, 'eu-west-1'));
    const [machine] = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
    const deployed = JSON.parse(machine?.Properties.DefinitionString as string) as {
      States: Record<string, Record<string, unknown>>;
    };

    // Assess
    expect(deployed).toEqual(drainWorkflowDefinition());
    expect(deployed.States.Cancelled).toMatchObject({ Type: 'Succeed' });
    expect(deployed.States.MarkStopping).toMatchObject({ Next: 'StopTask' });
    expect(JSON.stringify(deployed.States.MarkStopping)).toContain('ConditionExpression');
  });

  it('lets the workflow write its ledger conditionally: UpdateItem on its own table only', () => {
    // Act
    const template = Template.fromStack(burstStackIn(stacks, 'eu-west-1'));
    const writes = statementsAllowing(drainRole(template), 'dynamodb:UpdateItem');

    // Assess: a condition on an UpdateItem needs no permission beyond UpdateItem
    expect(writes).toHaveLength(1);
    expect(resourcesOfStatement(writes[0] as never)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/LedgerTable/), 'Arn'] },
    ]);
    expect(actionsOf(drainRole(template)).filter((a) => a.startsWith('dynamodb:'))).toEqual([
      'dynamodb:UpdateItem',
    ]);
  });

  it('lets a cancelled drain put its task back in the target group it removed it from, and nowhere else', () => {
    // Act
    const euWest1 = drainRole(Template.fromStack(burstStackIn(stacks, 'eu-west-1')));
    const euNorth1 = drainRole(Template.fromStack(burstStackIn(stacks, 'eu-north-1')));

    // Assess
    for (const action of ['elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:RegisterTargets']) {
      const statements = statementsAllowing(euWest1, action);
      expect(statements.flatMap(resourcesOfStatement)).toEqual([targetGroupArn]);
    }
    expect(actionsOf(euNorth1).filter((a) => a.startsWith('elasticloadbalancing:'))).toEqual([]);
  });

  it('passes cdk-nag with the target group permissions', () => {
    // Act: synth throws when the validation plugin reports an error
    const assembly = stacks.app.synth();

    // Assess
    const path = join(assembly.directory, 'validation-report.json');
    const report = existsSync(path)
      ? (JSON.parse(readFileSync(path, 'utf8')) as {
          pluginReports: { pluginName: string; violations: unknown[] }[];
        })
      : { pluginReports: [] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });
});
