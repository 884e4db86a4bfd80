import { describe, expect, it } from 'vitest';
import { type Provisioned, provisionDrift } from '../../../src/local/provision';
import { aConfig } from '../factories';

const provisioned = (subnet: string, machine: string): Provisioned => ({
  stateTable: 'spillway-local-state',
  signalsQueueUrl: 'http://127.0.0.1:5000/123456789012/spillway-local-signals',
  signalsDlqUrl: 'http://127.0.0.1:5000/123456789012/spillway-local-signals-dlq',
  drainLedgerTable: 'spillway-local-drain-ledger',
  drainStateMachines: { 'us-west-2': machine },
  alarmRuleName: 'spillway-local-alarm-state-change',
  effectiveConfig: aConfig(),
  burstNetworks: { 'us-west-2': { vpcId: 'vpc-1', subnetId: subnet, securityGroupId: 'sg-1' } },
  networkSubstitutions: [
    { region: 'us-west-2', placeholder: 'local-subnet-a', id: subnet },
    { region: 'us-west-2', placeholder: 'local-sg', id: 'sg-1' },
  ],
  dialectChanges: [],
});

describe('what differs between two provisionings of the same config', () => {
  it('is nothing when the emulator came back with the same names and ids', () => {
    const machine = 'arn:aws:states:us-west-2:123456789012:stateMachine:spillway-local-drain';
    expect(provisionDrift(provisioned('subnet-a', machine), provisioned('subnet-a', machine))).toEqual([]);
  });

  it('names every id the functions hold that the emulator no longer has', () => {
    const drift = provisionDrift(
      provisioned('subnet-a', 'arn:aws:states:us-west-2:123456789012:stateMachine:one'),
      provisioned('subnet-b', 'arn:aws:states:us-west-2:123456789012:stateMachine:two'),
    );
    expect(drift).toEqual([
      'drain state machine in us-west-2: arn:aws:states:us-west-2:123456789012:stateMachine:one → arn:aws:states:us-west-2:123456789012:stateMachine:two',
      'local-subnet-a in us-west-2: subnet-a → subnet-b',
    ]);
  });
});
