import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BurstCompute } from '../adapters/burst-compute';
import { clientConfig, perRegion } from '../adapters/client-config';
import { StateStore } from '../adapters/state-store';
import { workloadStatuses } from '../usecases/status';
import { listDeadLetters, redriveDeadLetters } from './dlq';
import { resolveTarget } from './target';

const USAGE = `spillway <command> [options]

Commands:
  status                     workloads, their alerts and burst tasks per region
  history <workload>         the decision log of a workload, newest first
  dlq list                   messages in the dead-letter queue, with why each failed
  dlq redrive [<id> ...]     move dead letters (all, or the given message ids) back to the signals queue

Options:
  --env <local|dev|staging|prod>   where to look (default: local, the runtime \`make run\` started)
  --region <region>                control region (default: the environment config's)
  --profile <profile>              AWS profile for a deployed environment
  --json                           machine-readable output
  --limit <n>                      history entries (default 20)`;

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
    default:
      throw new Error(`unknown command '${command}'\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`spillway: ${error.message}`);
    process.exit(1);
  },
);
