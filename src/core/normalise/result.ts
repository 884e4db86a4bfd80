import type { Signal } from '../signal';
import { cleanText } from './text';

/** Why an input could not become signals; maps to one HTTP status at the edge. */
export type RejectionCode = 'malformed' | 'unknown_workload';

export interface Rejection {
  readonly ok: false;
  readonly code: RejectionCode;
  readonly message: string;
  /** Paths of the offending fields, e.g. `alerts[2].startsAt`. */
  readonly fields?: readonly string[];
}

/** An input item that was valid but is not a signal for any workload (and why). */
export interface Ignored {
  readonly item: string;
  readonly reason: string;
}

export interface Normalised {
  readonly ok: true;
  readonly signals: readonly Signal[];
  readonly ignored: readonly Ignored[];
  /** Alerts the sender left out of the delivery (Alertmanager's and Grafana's `truncatedAlerts`). */
  readonly truncatedAlerts?: number;
}

export type NormaliseResult = Normalised | Rejection;

export const reject = (code: RejectionCode, message: string, fields?: readonly string[]): Rejection => ({
  ok: false,
  code,
  message,
  ...(fields ? { fields } : {}),
});

/** The 422 answer: every unknown workload named once, cleaned, so a hostile label cannot bloat it. */
export const unknownWorkloads = (names: ReadonlySet<string>, field: string): Rejection =>
  reject(
    'unknown_workload',
    `unknown workload(s): ${[...names]
      .sort()
      .slice(0, 10)
      .map((n) => cleanText(n, 64))
      .join(', ')}${names.size > 10 ? ` and ${names.size - 10} more` : ''}`,
    [field],
  );
