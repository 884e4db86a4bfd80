import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig, perRegion } from '../adapters/client-config';
import { SignalQueue } from '../adapters/signal-queue';
import { probeWitness } from '../adapters/site-witness';
import { TargetGroups } from '../adapters/target-groups';
import { watchedSites } from '../core/site-health';
import type { Log, ReconcileDeps } from '../usecases/ports';
import { observed } from './client-hooks';
import { decideDeps } from './decide-wiring';
import { required, type Settings } from './settings';

/**
 * The decide function's adapters plus the target groups, which only the reconciler writes, and,
 * when sites are watched for loss, the signals queue their commands go to and the witness probe.
 */
export function reconcileDeps(settings: Settings, log: Log): ReconcileDeps {
  const elbFor = perRegion((region) =>
    observed('reconcile', new ElasticLoadBalancingV2Client(clientConfig(region, settings.awsEndpoint))),
  );
  const base = { ...decideDeps(settings, log, 'reconcile'), targets: new TargetGroups(elbFor) };
  if (watchedSites(settings.config).length === 0) return base;
  const sqs = observed(
    'reconcile',
    new SQSClient(clientConfig(settings.config.controlRegion, settings.awsEndpoint)),
  );
  return {
    ...base,
    signals: new SignalQueue(sqs, required(settings, 'signalsQueueUrl')),
    witness: (target) => probeWitness(target, base.clock),
  };
}
