import { MAX_REASON_LENGTH } from '../usecases/send-command';

/** Bad input on the command line: the CLI says what is wrong and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The operator's `--reason`, trimmed: required where a command changes state and has no `fallback`,
 * never empty when given, never longer than MAX_REASON_LENGTH. One rule for every command.
 */
export function reasonOf(given: string | undefined, command: string, fallback?: string): string {
  const text = given?.trim() ?? fallback ?? '';
  if (text === '') {
    throw new UsageError(
      fallback === undefined
        ? `${command} changes state: --reason "…" is required`
        : `${command}: --reason must not be empty`,
    );
  }
  if (text.length > MAX_REASON_LENGTH)
    throw new UsageError(`--reason is ${text.length} characters; at most ${MAX_REASON_LENGTH}`);
  return text;
}

const USAGES: Readonly<Record<string, string>> = {
  burst: '<workload> <n> --reason "…"',
  drain: '<workload> <n>|--all [--force] --reason "…"',
  pause: '<workload>|--all [--until <ISO>] --reason "…"',
  resume: '<workload>|--all --reason "…"',
  'dry-run': 'on|off <workload>|--all --reason "…"',
  evacuate: '<workload> [--until <ISO>] --reason "…"',
  'end-evacuation': '<workload> --reason "…"',
  site: 'lost|recovered <site> --reason "…"',
  drill: '<workload>|--all [--wait] [--reason "…"]',
};

export const usageOf = (command: string): string => USAGES[command] ?? '';
