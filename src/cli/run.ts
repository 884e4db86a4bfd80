import { SignalQueue } from '../adapters/signal-queue';
import type { SiteStore } from '../adapters/site-store';
import type { OperatorCommand } from '../core/command';
import { declareSite, SiteDeclarationError } from '../usecases/declare-site';
import { buildCommand, CommandError, sendCommand } from '../usecases/send-command';
import { siteStatuses } from '../usecases/site-status';
import { statusReport } from '../usecases/status';
import {
  type DrillInvocation,
  type GlobalOptions,
  type Invocation,
  type OperatorInvocation,
  parseCli,
  UsageError,
} from './args';
import type { Connection } from './connect';
import { listDeadLetters, redriveDeadLetters } from './dlq';
import { refuseDrainThatWouldBeUndone } from './drain-guard';
import { drillCommands, drillRows, drillsDone, drillsPassed, drillWaitSeconds, renderDrills } from './drill';
import { renderHistory } from './render-history';
import { renderSites } from './render-sites';
import { renderStatus } from './render-status';
import { commandRequests, knownWorkload } from './requests';
import type { SiteInvocation } from './site-args';
import { USAGE } from './usage';

export interface CliDeps {
  readonly connect: (options: GlobalOptions) => Promise<Connection>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly now: () => Date;
  /** Who is asking, for the decision log ($USER). */
  readonly requestedBy: string | undefined;
  /** How `drill --wait` waits between looks; real timers unless a test passes its own. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Exit codes: 0 done, 1 AWS or runtime error, 2 bad input (nothing was sent). */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  try {
    const { options, invocation } = parseCli(argv, deps.now());
    if (invocation.name === 'help') {
      (invocation.asked ? deps.out : deps.err)(USAGE);
      return invocation.asked ? 0 : 2;
    }
    return await execute(invocation, options, await deps.connect(options), deps);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.err(`spillway: ${message}`);
    return error instanceof UsageError || error instanceof CommandError ? 2 : 1;
  }
}

async function execute(
  invocation: Exclude<Invocation, { name: 'help' }>,
  options: GlobalOptions,
  connection: Connection,
  deps: CliDeps,
): Promise<number> {
  const { target, store, sqs } = connection;
  const print = (data: unknown, text: () => string) =>
    deps.out(options.json ? JSON.stringify(data, null, 2) : text());
  const known = target.config.workloads.map((w) => w.name);
  switch (invocation.name) {
    case 'status': {
      const report = await statusReport({
        config: target.config,
        store,
        compute: connection.compute,
        ...(connection.loadRegionHealth ? { loadRegionHealth: connection.loadRegionHealth } : {}),
        ...(connection.drillResults ? { drillResults: connection.drillResults } : {}),
        ...(connection.sites ? { loadSites: () => (connection.sites as SiteStore).loadAll() } : {}),
        now: deps.now,
      });
      print(report, () => renderStatus(report));
      return 0;
    }
    case 'sites': {
      const sites = connection.sites
        ? siteStatuses(target.config, await connection.sites.loadAll(), deps.now())
        : [];
      print(sites, () => renderSites(sites, true).join('\n'));
      return 0;
    }
    case 'site':
      return declare(invocation, connection, deps, print);
    case 'history': {
      const workload = knownWorkload(invocation.workload, known);
      const decisions = await store.recentDecisions(workload, invocation.limit);
      print(decisions, () => renderHistory(workload, decisions));
      return 0;
    }
    case 'dlq-list': {
      const letters = await listDeadLetters(sqs, target.signalsDlqUrl, store);
      print(letters, () =>
        letters.length === 0
          ? 'the dead-letter queue is empty'
          : letters
              .map(
                (l) => `${l.messageId}  received ${l.receiveCount}x  ${l.summary}\n    reason: ${l.reason}`,
              )
              .join('\n'),
      );
      return 0;
    }
    case 'dlq-redrive': {
      const only = invocation.ids.length > 0 ? new Set(invocation.ids) : undefined;
      const moved = await redriveDeadLetters(sqs, target.signalsDlqUrl, target.signalsQueueUrl, only);
      print(moved, () => `moved ${moved.length} message(s) back to the signals queue`);
      const missing = invocation.ids.filter((id) => !moved.includes(id));
      if (missing.length === 0) return 0;
      // A mistyped or already redriven id must not read as done.
      deps.err(
        `spillway: not in the dead-letter queue: ${missing.join(', ')} (spillway dlq list shows what is there)`,
      );
      return 1;
    }
    case 'operator':
      return send(invocation, options, connection, deps, print);
    case 'drill':
      return drill(invocation, connection, deps, print);
  }
}

/** How often `drill --wait` looks at the results: a drill takes minutes, a look costs two reads. */
const DRILL_POLL_MS = 3000;

/**
 * Sends one drill command per workload and, with --wait, follows them until every region has its
 * result (or the longest a drill can take has passed). Exit 1 when a region did not pass.
 */
async function drill(
  invocation: DrillInvocation,
  connection: Connection,
  deps: CliDeps,
  print: (data: unknown, text: () => string) => void,
): Promise<number> {
  const { config } = connection.target;
  const known = config.workloads.map((w) => w.name);
  const workloads = invocation.workloads === 'all' ? known : [knownWorkload(invocation.workloads.one, known)];
  const commands = drillCommands(workloads, invocation.reason, deps.requestedBy, deps.now());
  const queue = new SignalQueue(connection.sqs, connection.target.signalsQueueUrl);
  for (const command of commands) await sendCommand(queue, command);
  if (!invocation.wait) {
    print(
      commands.map((c) => ({ ...c, follow: 'spillway status' })),
      () => commands.map((c) => `${c.id}  drill ${c.workload}  follow: spillway status`).join('\n'),
    );
    return 0;
  }
  if (!connection.drillResults) throw new Error('this connection cannot read drill results');
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const waitSeconds = Math.max(
    ...config.workloads.filter((w) => workloads.includes(w.name)).map(drillWaitSeconds),
  );
  const deadline = deps.now().getTime() + waitSeconds * 1000;
  let rows = await drillRows(config, commands, connection.store, connection.drillResults);
  while (!drillsDone(rows) && deps.now().getTime() < deadline) {
    await sleep(DRILL_POLL_MS);
    rows = await drillRows(config, commands, connection.store, connection.drillResults);
  }
  print(rows, () => renderDrills(rows));
  if (!drillsDone(rows)) {
    deps.err(`spillway: drill not finished after ${waitSeconds} s; spillway status shows it until it is`);
    return 1;
  }
  return drillsPassed(rows) ? 0 : 1;
}

/**
 * `site lost|recovered`: the same conditional move and derived-id commands as a detected loss, so
 * repeating it (or racing the reconciler) evacuates once; says what changed, or that nothing did.
 */
async function declare(
  invocation: SiteInvocation,
  connection: Connection,
  deps: CliDeps,
  print: (data: unknown, text: () => string) => void,
): Promise<number> {
  const { target } = connection;
  if (!connection.sites) throw new CommandError('this environment keeps no site records');
  const sites = connection.sites;
  try {
    const result = await declareSite(
      {
        site: invocation.site,
        as: invocation.as,
        reason: invocation.reason,
        ...(deps.requestedBy ? { by: deps.requestedBy } : {}),
      },
      {
        config: target.config,
        sites,
        signals: new SignalQueue(connection.sqs, target.signalsQueueUrl),
        clock: deps.now,
        log: { info: () => {}, warn: () => {}, error: (message) => deps.err(`spillway: ${message}`) },
      },
    );
    const [status] = siteStatuses(target.config, [result.record], deps.now()).filter(
      (s) => s.site === invocation.site,
    );
    print({ changed: result.changed, site: status }, () =>
      [
        result.changed
          ? `site ${invocation.site} declared ${invocation.as}`
          : `site ${invocation.site} already ${invocation.as === 'lost' ? 'lost' : 'not lost'}: nothing changed`,
        ...renderSites(status ? [status] : []),
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    if (error instanceof SiteDeclarationError) throw new CommandError(error.message);
    throw error;
  }
}

/** The history command with the flags that reach the same environment, to paste as it is. */
function followCommand(workload: string, options: GlobalOptions): string {
  const flags = [
    ...(options.env !== 'local' ? [`--env ${options.env}`] : []),
    ...(options.profile ? [`--profile ${options.profile}`] : []),
    ...(options.region ? [`--region ${options.region}`] : []),
    ...(options.runtimeFile ? [`--runtime-file ${options.runtimeFile}`] : []),
  ];
  return ['spillway history', workload, ...flags].join(' ');
}

/**
 * Builds every command before sending any, so bad input sends nothing. With `--all` (the kill
 * switch) a failed send does not stop the others: the operator hears which went and which did not.
 */
async function send(
  invocation: OperatorInvocation,
  options: GlobalOptions,
  connection: Connection,
  deps: CliDeps,
  print: (data: unknown, text: () => string) => void,
): Promise<number> {
  const known = connection.target.config.workloads.map((w) => w.name);
  const issuedAt = deps.now();
  const commands = commandRequests(invocation, known, deps.requestedBy).map((request) =>
    buildCommand({ ...request, issuedAt }),
  );
  if ((invocation.action === 'drain' || invocation.action === 'drain_all') && !invocation.force) {
    for (const command of commands)
      refuseDrainThatWouldBeUndone(command.workload, await connection.store.load(command.workload), issuedAt);
  }
  const sent: (OperatorCommand & { follow: string })[] = [];
  const failed: { workload: string; error: string }[] = [];
  for (const command of commands) {
    try {
      await sendCommand(new SignalQueue(connection.sqs, connection.target.signalsQueueUrl), command);
      sent.push({ ...command, follow: followCommand(command.workload, options) });
    } catch (error) {
      failed.push({ workload: command.workload, error: (error as Error).message });
    }
  }
  if (sent.length > 0)
    print(sent, () => sent.map((c) => `${c.id}  ${c.action} ${c.workload}  follow: ${c.follow}`).join('\n'));
  for (const failure of failed)
    deps.err(`spillway: ${invocation.verb} ${failure.workload} was not sent: ${failure.error}`);
  return failed.length > 0 ? 1 : 0;
}
