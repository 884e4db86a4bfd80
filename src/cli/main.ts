import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BurstCompute } from '../adapters/burst-compute';
import { clientConfig, perRegion } from '../adapters/client-config';
import { StateStore } from '../adapters/state-store';
import type { CommandAction, OperatorCommand } from '../core/command';
import { buildCommand, CommandError, sendCommand } from '../usecases/send-command';
import { workloadStatuses } from '../usecases/status';
import { listDeadLetters, redriveDeadLetters } from './dlq';
import { resolveTarget } from './target';

const USAGE = `spillway <command> [options]

Commands:
  status                     workloads, their alerts and burst tasks per region
  history <workload>         the decision log of a workload, newest first
  dlq list                   messages in the dead-letter queue, with why each failed
  dlq redrive [<id> ...]     move dead letters (all, or the given message ids) back to the signals queue
  burst <workload> <n> --reason "…"          start n burst tasks now (bounded by the max)
  drain <workload> <n>|--all --reason "…"    drain n (or all) burst tasks through the drain workflow
  pause <workload>|--all [--until <ISO>] --reason "…"
                             no new tasks (drains continue); --all pauses every workload
  resume <workload>|--all    end a pause
  dry-run on|off <workload> [--reason "…"]   decisions logged, nothing launched or drained
  Each of these sends one command to the signals queue and prints its id; \`history\` shows what it did.

Options:
  --env <local|dev|staging|prod>   where to look (default: local, the runtime \`make run\` started)
  --region <region>                control region (default: the environment config's)
  --profile <profile>              AWS profile for a deployed environment
  --json                           machine-readable output
  --limit <n>                      history entries (default 20)
  --reason "…"                     why (required for burst, drain, pause); goes into the decision log
  --until <ISO time>               pause only: when the pause ends by itself
  --all                            drain: every burst task; pause/resume: every workload (kill switch)`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      env: { type: 'string', default: 'local' },
      region: { type: 'string' },
      profile: { type: 'string' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string', default: '20' },
      reason: { type: 'string' },
      until: { type: 'string' },
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const target = await resolveTarget({
    env: values.env as string,
    ...(values.region ? { region: values.region } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
  });
  const store = new StateStore(
    target.stateTable,
    new DynamoDBClient(clientConfig(target.region, target.endpoint)),
  );
  const sqs = new SQSClient(clientConfig(target.region, target.endpoint));
  const print = (data: unknown, text: () => string) =>
    console.log(values.json ? JSON.stringify(data, null, 2) : text());

  switch (command) {
    case 'status': {
      const compute = new BurstCompute(
        perRegion((region) => new ECSClient(clientConfig(region, target.endpoint))),
      );
      const statuses = await workloadStatuses({ config: target.config, store, compute });
      print(statuses, () =>
        statuses
          .map((s) => {
            const regions = Object.entries(s.regions)
              .map(([region, tasks]) => {
                const live = tasks.filter((t) => t.status !== 'stopped');
                return `    ${region.padEnd(16)} ${String(live.length).padStart(3)} live  ${live.map((t) => `${t.taskArn.split('/').at(-1)?.slice(0, 8)}:${t.status}/${t.ecsStatus}`).join(' ')}`;
              })
              .join('\n');
            return `${s.workload} (home ${s.homeSite})  ${s.liveTasks}/${s.maxBurstTasks} burst tasks, ${s.firingAlerts.length} alert(s) firing\n${regions}`;
          })
          .join('\n'),
      );
      return 0;
    }
    case 'history': {
      const workload = rest[0];
      if (!workload) throw new Error('history needs a workload: spillway history <workload>');
      if (!target.config.workloads.some((w) => w.name === workload)) {
        throw new Error(
          `unknown workload ${workload}; known: ${target.config.workloads.map((w) => w.name).join(', ')}`,
        );
      }
      const decisions = await store.recentDecisions(workload, Number(values.limit));
      print(decisions, () =>
        decisions.map((d) => `${d.at}  ${d.action.kind.padEnd(9)} ${d.reason}`).join('\n'),
      );
      return 0;
    }
    case 'dlq': {
      const sub = rest[0];
      if (sub === 'list') {
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
      if (sub === 'redrive') {
        const ids = rest.slice(1);
        const moved = await redriveDeadLetters(
          sqs,
          target.signalsDlqUrl,
          target.signalsQueueUrl,
          ids.length > 0 ? new Set(ids) : undefined,
        );
        print(moved, () => `moved ${moved.length} message(s) back to the signals queue`);
        return 0;
      }
      throw new Error(`unknown dlq command '${sub ?? ''}': use dlq list or dlq redrive`);
    }
    case 'burst':
    case 'drain':
    case 'pause':
    case 'resume':
    case 'dry-run': {
      const requests = operatorCommands(
        command,
        rest,
        values,
        target.config.workloads.map((w) => w.name),
      );
      const sent: OperatorCommand[] = [];
      for (const request of requests)
        sent.push(await sendCommand(sqs, target.signalsQueueUrl, buildCommand(request)));
      print(sent, () => sent.map((c) => `${c.id}  ${c.action} ${c.workload}`).join('\n'));
      return 0;
    }
    default:
      throw new Error(`unknown command '${command}'\n\n${USAGE}`);
  }
}

/**
 * Turns `burst|drain|pause|resume|dry-run …` into command requests, one per workload (`--all` on
 * pause and resume is the kill switch: one command to every workload).
 */
function operatorCommands(
  command: string,
  rest: readonly string[],
  options: { reason?: string | undefined; until?: string | undefined; all?: boolean | undefined },
  known: readonly string[],
) {
  const requestedBy = process.env.USER ?? safeUser();
  const needReason = () => {
    if (!options.reason?.trim()) throw new CommandError(`${command} changes state: --reason "…" is required`);
    return options.reason;
  };
  const checked = (workload: string | undefined) => {
    if (!workload) throw new CommandError(`${command} needs a workload`);
    if (!known.includes(workload))
      throw new CommandError(`unknown workload ${workload}; known: ${known.join(', ')}`);
    return workload;
  };
  const count = (text: string | undefined) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new CommandError(`${command} needs a task count ≥ 1, not '${text ?? ''}'`);
    return n;
  };
  const base = { ...(requestedBy ? { requestedBy } : {}) };
  switch (command) {
    case 'burst':
      return [
        {
          ...base,
          workload: checked(rest[0]),
          action: 'burst' as const,
          count: count(rest[1]),
          reason: needReason(),
        },
      ];
    case 'drain':
      return options.all
        ? [{ ...base, workload: checked(rest[0]), action: 'drain_all' as const, reason: needReason() }]
        : [
            {
              ...base,
              workload: checked(rest[0]),
              action: 'drain' as const,
              count: count(rest[1]),
              reason: needReason(),
            },
          ];
    case 'pause':
    case 'resume': {
      const action: CommandAction = command;
      const reason = command === 'pause' ? needReason() : (options.reason ?? 'resumed by operator');
      const workloads = options.all ? known : [checked(rest[0])];
      return workloads.map((workload) => ({
        ...base,
        workload,
        action,
        reason,
        ...(command === 'pause' && options.until ? { until: options.until } : {}),
      }));
    }
    default: {
      const mode = rest[0];
      if (mode !== 'on' && mode !== 'off')
        throw new CommandError('use dry-run on <workload> or dry-run off <workload>');
      const action: CommandAction = mode === 'on' ? 'dry_run_on' : 'dry_run_off';
      return [{ ...base, workload: checked(rest[1]), action, reason: options.reason ?? `dry-run ${mode}` }];
    }
  }
}

function safeUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`spillway: ${error.message}`);
    process.exit(1);
  },
);
