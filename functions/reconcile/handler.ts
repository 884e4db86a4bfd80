import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { powertoolsLog } from '../../src/runtime/log';
import { METRICS_NAMESPACE, powertoolsMetrics } from '../../src/runtime/powertools-metrics';
import { reconcileDeps } from '../../src/runtime/reconcile-wiring';
import { readSettings } from '../../src/runtime/settings';
import type { ReconcileReport } from '../../src/usecases/reconcile';
import { reconcileOnEvent } from '../../src/usecases/reconcile-on-event';

const logger = new Logger({ serviceName: 'spillway', persistentKeys: { fn: 'reconcile' } });
const settings = readSettings();
const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: 'spillway',
  defaultDimensions: { environment: settings.config.environment },
});
const deps = { ...reconcileDeps(settings, powertoolsLog(logger)), metrics: powertoolsMetrics(metrics) };

/**
 * Every minute, and on every ECS Task State Change of a burst task: converge recorded state with
 * ECS and the drain ledgers, then re-evaluate policy.
 */
export const lambdaHandler = async (event: unknown): Promise<{ workloads: ReconcileReport[] }> => {
  return { workloads: await reconcileOnEvent(event, deps) };
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
