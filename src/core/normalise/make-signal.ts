import { digest } from '../ids';
import type { Mutable } from '../mutable';
import type { Severity, Signal, SignalSource, SignalState } from '../signal';
import { cleanText, keyPart } from './text';

export const SUMMARY_MAX = 256;
/** Alert names are short in every monitor; a longer one is cut, it only labels the key. */
export const NAME_MAX = 64;

export interface SignalParts {
  readonly source: SignalSource;
  readonly workload: string;
  /** The alert's identity within its source (fingerprint, event id, alarm ARN). */
  readonly identity: string;
  readonly state: SignalState;
  readonly severity: Severity;
  /** Already checked by `observedTime`. */
  readonly observedAt: string;
  /** What names one episode in one state, as the sender wrote it: redeliveries repeat it exactly. */
  readonly episode: readonly string[];
  readonly value?: number;
  readonly summary?: string;
  /** What people call the alert (alertname, alarm name, trigger): shown where its key would be opaque. */
  readonly name?: string;
}

/** The one way a normaliser builds a signal: keys are tag-safe and bounded, text is cleaned. */
export function makeSignal(parts: SignalParts): Signal {
  // One digest names the episode twice: its first 24 hex digits are the dedup key (what a redelivery
  // repeats), the next 20 the signal's id. A second hash, of the key, was a twentieth of the core.
  const episode = digest(parts.episode, 44);
  const dedupKey = `${parts.source}:${episode.slice(0, 24)}`;
  const summary = parts.summary ? cleanText(parts.summary, SUMMARY_MAX) : '';
  const name = parts.name ? cleanText(parts.name, NAME_MAX) : '';
  // Set one by one in one order, not spread in: signals share a few shapes (see alertRecordOf).
  const signal: Mutable<Signal> = {
    id: `sig-${episode.slice(24)}`,
    source: parts.source,
    workload: parts.workload,
    alertKey: `${parts.source}:${keyPart(parts.identity)}`,
    state: parts.state,
    severity: parts.severity,
  } as Signal;
  if (parts.value !== undefined && Number.isFinite(parts.value)) signal.value = parts.value;
  signal.observedAt = parts.observedAt;
  signal.dedupKey = dedupKey;
  if (summary) signal.summary = summary;
  if (name) signal.name = name;
  return signal;
}

/** A number from a label or annotation, when it is one. */
export function numberFrom(text: string | number | undefined | null): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  if (typeof text !== 'string' || !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text))
    return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
