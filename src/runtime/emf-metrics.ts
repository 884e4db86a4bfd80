import { METRICS, type Metrics } from '../usecases/metrics';

/** The CloudWatch namespace of every Spillway metric; alarms and the dashboard read it. */
export const METRICS_NAMESPACE = 'Spillway';

/** The `service` dimension every metric carries first (what Powertools would put there). */
export const METRICS_SERVICE = 'spillway';

export interface EmfOptions {
  readonly namespace: string;
  /** Dimensions of every metric, before the metric's own: the service, the environment. */
  readonly defaultDimensions: Readonly<Record<string, string>>;
  /** Where a document goes; Lambda ships the function's stdout to CloudWatch Logs, which extracts it. */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

const toStdout = (line: string) => {
  process.stdout.write(line);
};

/**
 * Metrics as CloudWatch embedded metric format documents in the function's log: no API call, no
 * latency. Each record is one document with one metric and its own dimensions, the default ones
 * first, so a metric's dimension set is exactly its catalogue entry (`METRICS`): the documents
 * Powertools Metrics writes as single metrics, byte for byte but the timestamp (a unit test holds
 * the two equal), for a tenth of its code in every bundle. A dimension without a value is left out,
 * and a value that is not a finite number is not written (CloudWatch would refuse the document):
 * both say so on stderr, and neither fails the decision that recorded it.
 */
export function emfMetrics(options: EmfOptions): Metrics {
  const { namespace, defaultDimensions, write = toStdout, now = Date.now } = options;
  return {
    record(name, value, dimensions) {
      if (!Number.isFinite(value)) {
        console.warn(`metric ${name} not written: ${value} is not a finite number`);
        return;
      }
      const values: Record<string, string | number> = {};
      for (const [key, dimension] of Object.entries({ ...defaultDimensions, ...dimensions })) {
        if (typeof dimension === 'string' && dimension !== '') values[key] = dimension;
        else console.warn(`metric ${name}: dimension ${key} has no value and is left out`);
      }
      const document = {
        _aws: {
          Timestamp: now(),
          CloudWatchMetrics: [
            {
              Namespace: namespace,
              Dimensions: [Object.keys(values)],
              Metrics: [{ Name: name, Unit: METRICS[name].unit }],
            },
          ],
        },
        ...values,
        [name]: value,
      };
      write(`${JSON.stringify(document)}\n`);
    },
  };
}
