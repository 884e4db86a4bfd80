import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logFor } from '../../src/runtime/log-sink';
import { metricsFor } from '../../src/runtime/metrics-sink';
import { reconcileDeps } from '../../src/runtime/reconcile-wiring';
import { readSettings } from '../../src/runtime/settings';
import { sourceMappedErrors } from '../../src/runtime/source-mapped-errors';
import type { ReconcileReport } from '../../src/usecases/reconcile';
import { reconcileOnEvent } from '../../src/usecases/reconcile-on-event';

const logger = new Logger({ serviceName: 'spillway', persistentKeys: { fn: 'reconcile' } });
const settings = readSettings();
const deps = reconcileDeps(settings, logFor('reconcile', logger), metricsFor(settings));

/**
 * Every minute, and on every ECS Task State Change of a burst task: converge recorded state with
 * ECS and the drain ledgers, then re-evaluate policy.
 */
export const lambdaHandler = async (event: unknown): Promise<{ workloads: ReconcileReport[] }> => {
  return { workloads: await reconcileOnEvent(event, deps) };
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger)).use(sourceMappedErrors());
