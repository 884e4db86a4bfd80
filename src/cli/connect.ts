import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BurstCompute } from '../adapters/burst-compute';
import { clientConfig, perRegion } from '../adapters/client-config';
import { DrillResults } from '../adapters/drill-results';
import { SiteStore } from '../adapters/site-store';
import { StateStore } from '../adapters/state-store';
import type { RegionHealthMap } from '../core/region-health';
import type { GlobalOptions } from './args';
import { resolveTarget, type Target } from './target';

/** The target and the clients every command uses; a test passes fakes instead. */
export interface Connection {
  readonly target: Target;
  readonly store: Pick<StateStore, 'load' | 'recentDecisions' | 'messageFailures'>;
  readonly sqs: SQSClient;
  readonly compute: Pick<BurstCompute, 'describe'>;
  /** The launch breakers' records, when the state store keeps them. */
  readonly loadRegionHealth?: () => Promise<RegionHealthMap>;
  /** The watched sites' records, read for status and written by `site lost|recovered`. */
  readonly sites?: Pick<SiteStore, 'load' | 'loadAll' | 'save'>;
  /** The last readiness drill result per workload and region. */
  readonly drillResults?: Pick<DrillResults, 'load'>;
}

export async function connect(options: GlobalOptions): Promise<Connection> {
  const target = await resolveTarget({
    env: options.env,
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.runtimeFile ? { runtimeFile: options.runtimeFile } : {}),
  });
  const dynamo = new DynamoDBClient(clientConfig(target.region, target.endpoint));
  const store = new StateStore(target.stateTable, dynamo);
  return {
    target,
    store,
    sqs: new SQSClient(clientConfig(target.region, target.endpoint)),
    compute: new BurstCompute(perRegion((region) => new ECSClient(clientConfig(region, target.endpoint)))),
    loadRegionHealth: () => store.loadRegionHealth(),
    sites: new SiteStore(target.stateTable, dynamo),
    drillResults: new DrillResults(target.stateTable, dynamo),
  };
}
