import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { clientConfig, perRegion } from '../adapters/client-config';
import { TargetGroups } from '../adapters/target-groups';
import type { Log, ReconcileDeps } from '../usecases/ports';
import { observed } from './client-hooks';
import { decideDeps } from './decide-wiring';
import type { Settings } from './settings';

/** The decide function's adapters plus the target groups, which only the reconciler writes. */
export function reconcileDeps(settings: Settings, log: Log): ReconcileDeps {
  const elbFor = perRegion((region) =>
    observed('reconcile', new ElasticLoadBalancingV2Client(clientConfig(region, settings.awsEndpoint))),
  );
  return { ...decideDeps(settings, log, 'reconcile'), targets: new TargetGroups(elbFor) };
}
