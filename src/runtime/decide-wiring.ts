import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { BurstCompute } from '../adapters/burst-compute';
import { clientConfig, perRegion } from '../adapters/client-config';
import { DrainLedger } from '../adapters/drain-ledger';
import { DrainStarter } from '../adapters/drain-starter';
import { DrillResults } from '../adapters/drill-results';
import { SiteStore } from '../adapters/site-store';
import { StateStore } from '../adapters/state-store';
import { sharedLaunchPacer } from '../usecases/launch-pacer';
import type { DecideDeps, Log, ReconcileDeps } from '../usecases/ports';
import { type FunctionName, observed } from './client-hooks';
import { required, type Settings } from './settings';

/**
 * The adapters of the decide and reconcile functions. Called once per container, at module
 * scope: clients are created here but make no network call until first used. `fn` names the
 * function whose clients these are (reconcile builds on this wiring).
 */
export function decideDeps(
  settings: Settings,
  log: Log,
  fn: Extract<FunctionName, 'decide' | 'reconcile'> = 'decide',
): Omit<ReconcileDeps, 'targets'> & DecideDeps {
  const { config, awsEndpoint } = settings;
  const dynamoFor = perRegion((region) =>
    observed(fn, new DynamoDBClient(clientConfig(region, awsEndpoint))),
  );
  const ecsFor = perRegion((region) => observed(fn, new ECSClient(clientConfig(region, awsEndpoint))));
  const sfnFor = perRegion((region) => observed(fn, new SFNClient(clientConfig(region, awsEndpoint))));
  const drainLedgerTable = required(settings, 'drainLedgerTable');
  const stateTable = required(settings, 'stateTable');
  return {
    config,
    store: new StateStore(stateTable, dynamoFor(config.controlRegion), config.decisionLogRetentionDays),
    drillResults: new DrillResults(stateTable, dynamoFor(config.controlRegion)),
    compute: new BurstCompute(ecsFor),
    // One pacer per process: Fargate's launch quotas are per account and region, not per caller.
    pacer: sharedLaunchPacer(),
    drains: new DrainStarter(sfnFor, settings.drainStateMachines),
    ledger: new DrainLedger(dynamoFor, drainLedgerTable),
    drainLedgerTable,
    // Heartbeats and site moves live in the state table too, one item a site.
    sites: new SiteStore(required(settings, 'stateTable'), dynamoFor(config.controlRegion)),
    clock: () => new Date(),
    log,
  };
}
