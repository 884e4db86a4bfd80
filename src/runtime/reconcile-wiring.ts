import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { clientConfig, perRegion } from '../adapters/client-config';
import { probeWitness } from '../adapters/site-witness';
import { TargetGroups } from '../adapters/target-groups';
import { watchedSites } from '../core/site-health';
import { commandsAppliedInPlace } from '../usecases/apply-commands';
import type { Metrics } from '../usecases/metrics';
import type { Log, ReconcileDeps } from '../usecases/ports';
import { observed } from './client-hooks';
import { decideDeps } from './decide-wiring';
import type { Settings } from './settings';

/**
 * The decide function's adapters plus the target groups, which only the reconciler writes, and,
 * when sites are watched for loss, the witness probe and the applying of a lost site's commands.
 */
export function reconcileDeps(settings: Settings, log: Log, metrics?: Metrics): ReconcileDeps {
  const elbFor = perRegion((region) =>
    observed('reconcile', new ElasticLoadBalancingV2Client(clientConfig(region, settings.awsEndpoint))),
  );
  // Metrics in the deps the lost site's commands are applied with, too: they record decisions.
  const base = {
    ...decideDeps(settings, log, 'reconcile'),
    targets: new TargetGroups(elbFor),
    ...(metrics ? { metrics } : {}),
  };
  if (watchedSites(settings.config).length === 0) return base;
  return {
    ...base,
    signals: commandsAppliedInPlace(base),
    witness: (target) => probeWitness(target, base.clock),
  };
}
