import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BurstCompute } from '../adapters/burst-compute';
import { clientConfig, perRegion } from '../adapters/client-config';
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
}

export async function connect(options: GlobalOptions): Promise<Connection> {
  const target = await resolveTarget({
    env: options.env,
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.runtimeFile ? { runtimeFile: options.runtimeFile } : {}),
  });
  const store = new StateStore(
    target.stateTable,
    new DynamoDBClient(clientConfig(target.region, target.endpoint)),
  );
  return {
    target,
    store,
    sqs: new SQSClient(clientConfig(target.region, target.endpoint)),
    compute: new BurstCompute(perRegion((region) => new ECSClient(clientConfig(region, target.endpoint)))),
    loadRegionHealth: () => store.loadRegionHealth(),
  };
}
