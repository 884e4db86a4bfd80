import type { Metrics } from '../usecases/metrics';
import { emfMetrics, METRICS_NAMESPACE, METRICS_SERVICE } from './emf-metrics';
import type { Settings } from './settings';

type MetricsFactory = (settings: Settings) => Metrics;

let local: MetricsFactory | undefined;

/**
 * Lets the local runtime give the functions its own sink (a Prometheus registry) before it loads
 * them. A hook rather than a setting: the sink's client then stays out of every Lambda bundle, and
 * on Lambda, where nothing sets it, the functions emit EMF as always.
 */
export function setLocalMetrics(factory: MetricsFactory | undefined): void {
  local = factory;
}

/** Where a function records its metrics: EMF in its log on AWS, the local runtime's sink locally. */
export function metricsFor(settings: Settings): Metrics {
  if (local) return local(settings);
  return emfMetrics({
    namespace: METRICS_NAMESPACE,
    defaultDimensions: { service: METRICS_SERVICE, environment: settings.config.environment },
  });
}
