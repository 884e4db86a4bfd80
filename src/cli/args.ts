import { parseArgs } from 'node:util';
import { notAnAwsRegion } from '../config/aws-regions';
import { editDistance } from '../config/edit-distance';
import type { CommandAction } from '../core/command';
import { isIsoTime, MAX_COUNT } from '../usecases/send-command';
import { type SiteInvocation, siteInvocation } from './site-args';
import { reasonOf, UsageError, usageOf } from './usage-rules';

export { UsageError, usageOf } from './usage-rules';

/** Where the CLI talks to, and how it prints. */
export interface GlobalOptions {
  readonly env: string;
  readonly region?: string;
  readonly profile?: string;
  /** The local runtime's info file; SPILLWAY_RUNTIME_FILE, or the one live runtime's, when absent. */
  readonly runtimeFile?: string;
  readonly json: boolean;
}

/** A state-changing command as typed, before the workload names are checked against the config. */
export interface OperatorInvocation {
  readonly name: 'operator';
  /** The CLI verb (`dry-run`, `end-evacuation`…), for messages. */
  readonly verb: string;
  readonly action: CommandAction;
  /** One workload, or every workload of the environment (`--all`). */
  readonly workloads: { readonly one: string } | 'all';
  readonly count?: number;
  readonly reason: string;
  readonly until?: string;
  /** drain only: send it even though alerts still fire and the policy would call it off. */
  readonly force?: boolean;
}

export type Invocation =
  /** `asked` false: no command was given, so the usage goes to stderr with exit code 2. */
  | { readonly name: 'help'; readonly asked: boolean }
  | { readonly name: 'status' }
  | { readonly name: 'history'; readonly workload: string; readonly limit: number }
  | { readonly name: 'dlq-list' }
  | { readonly name: 'dlq-redrive'; readonly ids: readonly string[] }
  | { readonly name: 'sites' }
  | SiteInvocation
  | DrillInvocation
  | OperatorInvocation;

/** `spillway drill`: a readiness drill of one workload or all, optionally waited for. */
export interface DrillInvocation {
  readonly name: 'drill';
  readonly workloads: { readonly one: string } | 'all';
  readonly reason: string;
  /** Poll until every region has its result, print them, and exit 1 unless all passed. */
  readonly wait: boolean;
}

export interface ParsedCli {
  readonly options: GlobalOptions;
  readonly invocation: Invocation;
}

const ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'];

/**
 * Reads the command line without looking anything up: every mistake the operator can make in
 * typing is found here, before any AWS call. `now` decides whether `--until` is in the future.
 */
export function parseCli(argv: readonly string[], now: Date): ParsedCli {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError(optionMistake(error as NodeJS.ErrnoException));
  }
  const { values, positionals } = parsed;
  if (!ENVIRONMENTS.includes(values.env))
    throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}, not '${values.env}'`);
  if (values['runtime-file'] !== undefined && values.env !== 'local')
    throw new UsageError(`--runtime-file applies to --env local only, not --env ${values.env}`);
  const badRegion = values.region === undefined ? undefined : notAnAwsRegion(values.region);
  if (badRegion) throw new UsageError(`--region: ${badRegion}`);
  const options: GlobalOptions = {
    env: values.env,
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
    ...(values['runtime-file'] !== undefined ? { runtimeFile: values['runtime-file'] } : {}),
    json: values.json,
  };
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help')
    return { options, invocation: { name: 'help', asked: values.help || command === 'help' } };
  const flags = (...allowed: Flag[]) => allowOnly(command, values, ...allowed);
  const invocation = ((): Invocation => {
    switch (command) {
      case 'status':
        flags();
        maxArgs(command, rest, 0);
        return { name: 'status' };
      case 'history':
        flags('limit');
        maxArgs(command, rest, 1);
        return {
          name: 'history',
          workload: required(rest[0], 'history needs a workload: spillway history <workload>'),
          limit: positiveInteger('--limit', values.limit ?? '20', 1000),
        };
      case 'dlq':
        return dlq(rest, flags);
      case 'sites':
        flags();
        maxArgs(command, rest, 0);
        return { name: 'sites' };
      case 'site':
        flags('reason');
        return siteInvocation(rest, values.reason);
      case 'drill':
        flags('reason', 'all', 'wait');
        return drill(rest, values);
      default:
        return operator(command, rest, values, flags, now);
    }
  })();
  return { options, invocation };
}

const OPTIONS = {
  env: { type: 'string', default: 'local' },
  region: { type: 'string' },
  profile: { type: 'string' },
  'runtime-file': { type: 'string' },
  json: { type: 'boolean', default: false },
  limit: { type: 'string' },
  reason: { type: 'string' },
  until: { type: 'string' },
  all: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  wait: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseOptions(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
}

const SEE_HELP = '(see spillway --help)';

/**
 * node:util's parser explains itself to programmers (`place it at the end of the command after
 * '--'`); an operator needs the option named, and the one meant when it is a slip of the keyboard.
 */
function optionMistake(error: NodeJS.ErrnoException): string {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  if (!option) return `${error.message} ${SEE_HELP}`;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const known = Object.keys(OPTIONS).map((name) => `--${name}`);
    const meant = known.filter((name) => editDistance(option, name) <= 2);
    return meant.length === 1
      ? `unknown option ${option}: did you mean ${meant[0]}? ${SEE_HELP}`
      : `unknown option ${option}; the options are ${known.join(', ')} ${SEE_HELP}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return /argument missing/.test(error.message)
      ? `${option} needs a value, as in ${option} <value> ${SEE_HELP}`
      : `${option} takes no value ${SEE_HELP}`;
  return `${error.message} ${SEE_HELP}`;
}

type Values = ReturnType<typeof parseOptions>['values'];

type Flag = 'limit' | 'reason' | 'until' | 'all' | 'force' | 'wait';

/** Options that only some commands take: given anywhere else, they are a mistake worth naming. */
function allowOnly(command: string, values: Values, ...allowed: Flag[]): void {
  for (const flag of ['limit', 'reason', 'until', 'all', 'force', 'wait'] as const) {
    const given =
      flag === 'all' || flag === 'force' || flag === 'wait' ? values[flag] : values[flag] !== undefined;
    if (given && !allowed.includes(flag)) throw new UsageError(`${command} does not take --${flag}`);
  }
}

function required(value: string | undefined, message: string): string {
  if (value === undefined || value === '') throw new UsageError(message);
  return value;
}

function maxArgs(command: string, rest: readonly string[], max: number): readonly string[] {
  if (rest.length > max)
    throw new UsageError(`${command}: unexpected argument '${rest[max]}' (see spillway --help)`);
  return rest;
}

function positiveInteger(what: string, text: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new UsageError(`${what} must be a whole number from 1 to ${max}, not '${text}'`);
  return Number(text);
}

function dlq(rest: readonly string[], flags: () => void): Invocation {
  flags();
  const [sub, ...ids] = rest;
  if (sub === 'list') {
    maxArgs('dlq list', ids, 0);
    return { name: 'dlq-list' };
  }
  if (sub === 'redrive') return { name: 'dlq-redrive', ids };
  throw new UsageError(`unknown dlq command '${sub ?? ''}': use dlq list or dlq redrive [<message id> ...]`);
}

/** The reason a drill goes by when the operator gives none: a drill is routine, not an incident. */
export const DRILL_DEFAULT_REASON = 'readiness drill';

function drill(rest: readonly string[], values: Values): DrillInvocation {
  const usage = `spillway drill ${usageOf('drill')}`;
  const [workload, ...extra] = rest;
  if (extra.length > 0) throw new UsageError(`drill: unexpected argument '${extra[0]}' (${usage})`);
  if (values.all && workload !== undefined)
    throw new UsageError(`drill: give a workload or --all, not both ('${workload}' and --all)`);
  if (!values.all && (workload === undefined || workload === ''))
    throw new UsageError(`drill needs a workload or --all: ${usage}`);
  return {
    name: 'drill',
    workloads: values.all ? 'all' : { one: workload as string },
    reason: reasonOf(values.reason, 'drill', DRILL_DEFAULT_REASON),
    wait: values.wait,
  };
}

/** burst, drain, pause, resume, dry-run, evacuate, end-evacuation: each must say why. */
function operator(
  command: string,
  rest: readonly string[],
  values: Values,
  flags: (...allowed: Flag[]) => void,
  now: Date,
): OperatorInvocation {
  const usage = `spillway ${command} ${usageOf(command)}`;
  const until = () => {
    if (values.until === undefined) return {};
    if (!isIsoTime(values.until))
      throw new UsageError(
        `--until must be an ISO-8601 time with a zone such as 2026-11-28T06:00:00Z, not '${values.until}'`,
      );
    if (Date.parse(values.until) <= now.getTime())
      throw new UsageError(`--until ${values.until} is in the past (now ${now.toISOString()})`);
    return { until: values.until };
  };
  const noMore = (extra: readonly string[]) => {
    if (extra.length > 0) throw new UsageError(`${command}: unexpected argument '${extra[0]}' (${usage})`);
  };
  const one = (workload: string | undefined) => ({
    one: required(workload, `${command} needs a workload: ${usage}`),
  });
  /** pause, resume and dry-run take `--all`: the kill switch and the global dry-run. */
  const oneOrAll = ([workload, ...extra]: readonly string[]): OperatorInvocation['workloads'] => {
    noMore(extra);
    if (!values.all) return one(workload);
    if (workload !== undefined)
      throw new UsageError(`${command}: give a workload or --all, not both ('${workload}' and --all)`);
    return 'all';
  };
  const count = (text: string | undefined) => {
    if (text === undefined) throw new UsageError(`${command} needs a task count: ${usage}`);
    return positiveInteger(`${command}: the task count`, text, MAX_COUNT);
  };
  const make = (
    action: CommandAction,
    workloads: OperatorInvocation['workloads'],
    count?: number,
  ): OperatorInvocation => ({
    name: 'operator',
    verb: command,
    action,
    workloads,
    ...(count !== undefined ? { count } : {}),
    reason: reasonOf(values.reason, command),
    ...until(),
  });

  switch (command) {
    case 'burst': {
      flags('reason');
      const [workload, n, ...extra] = rest;
      noMore(extra);
      return make('burst', one(workload), count(n));
    }
    case 'drain': {
      // Here --all means every burst task of the one workload, not every workload.
      flags('reason', 'all', 'force');
      const [workload, n, ...extra] = rest;
      noMore(extra);
      const force = values.force ? { force: true } : {};
      if (!values.all) return { ...make('drain', one(workload), count(n)), ...force };
      if (n !== undefined) throw new UsageError(`drain: give a task count or --all, not both (${usage})`);
      return { ...make('drain_all', one(workload)), ...force };
    }
    case 'pause':
      flags('reason', 'until', 'all');
      return make('pause', oneOrAll(rest));
    case 'resume':
      flags('reason', 'all');
      return make('resume', oneOrAll(rest));
    case 'dry-run': {
      flags('reason', 'all');
      const [mode, ...args] = rest;
      if (mode !== 'on' && mode !== 'off')
        throw new UsageError(`dry-run needs on or off first, not '${mode ?? ''}': ${usage}`);
      return make(mode === 'on' ? 'dry_run_on' : 'dry_run_off', oneOrAll(args));
    }
    case 'evacuate': {
      flags('reason', 'until');
      const [workload, ...extra] = rest;
      noMore(extra);
      return make('evacuate', one(workload));
    }
    case 'end-evacuation': {
      flags('reason');
      const [workload, ...extra] = rest;
      noMore(extra);
      return make('end_evacuation', one(workload));
    }
    default:
      throw new UsageError(`unknown command '${command}' (see spillway --help)`);
  }
}
