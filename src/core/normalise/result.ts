import type { JsonProblem } from '../json/strict-json';
import type { Signal } from '../signal';
import { cleanText } from './text';

/** Why an input could not become signals; each maps to one HTTP status at the edge. */
export type RejectionCode =
  | JsonProblem
  | 'malformed'
  | 'unknown_workload'
  | 'control_character'
  | 'too_many_labels'
  | 'unexpanded_template'
  | 'grafana_legacy_alerting';

/**
 * 400: the sender's bytes are not the format it claims. 422: well-formed, but Spillway will not act
 * on it (an unknown workload, an identifier or a delivery it refuses to store). docs/ingest.md
 * lists every code, and a test holds the two together.
 */
export const rejectionStatus: Readonly<Record<RejectionCode, 400 | 422>> = {
  malformed_json: 400,
  invalid_utf8: 400,
  duplicate_key: 400,
  non_finite_number: 400,
  nesting_too_deep: 400,
  malformed: 400,
  unknown_workload: 422,
  control_character: 422,
  too_many_labels: 422,
  unexpanded_template: 422,
  grafana_legacy_alerting: 422,
};

export interface Rejection {
  readonly ok: false;
  readonly code: RejectionCode;
  readonly message: string;
  /** Paths of the offending fields, e.g. `alerts[2].startsAt`. */
  readonly fields?: readonly string[];
  /** For JSON that could not be parsed: the byte offset of the problem. */
  readonly offset?: number;
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
