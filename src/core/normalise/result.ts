import type { Signal } from '../signal';

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
}

export type NormaliseResult = Normalised | Rejection;

export const reject = (code: RejectionCode, message: string, fields?: readonly string[]): Rejection => ({
  ok: false,
  code,
  message,
  ...(fields ? { fields } : {}),
});
