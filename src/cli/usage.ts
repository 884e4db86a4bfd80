import { usageOf } from './usage-rules';

const command = (name: string, what: string) => `  ${`${name} ${usageOf(name)}`.padEnd(52)} ${what}`;

export const USAGE = `spillway <command> [options]

Read:
  status                                               workloads, burst tasks per region (on demand/Spot),
                                                       pending, draining, controls, alerts, cost against
                                                       the spend guards, and the regions' launch breakers
  history <workload> [--limit n]                       the decision log, newest first, one line each
  dlq list                                             dead letters, with why each failed
  dlq redrive [<message id> ...]                       dead letters (all, or these) back to the signals queue
  sites                                                the sites watched for loss: state, last heartbeat,
                                                       witness, the current or last loss

Change (each sends one command per workload to the signals queue, prints its id and how to follow it
with \`spillway history <workload>\`; --reason is required and goes into the decision log):
${command('burst', 'start n burst tasks now (bounded by the max)')}
${command('drain', 'drain n (or all) burst tasks via the drain workflow')}
${command('pause', 'no new tasks, drains continue; --all: kill switch')}
${command('resume', 'end a pause; --all: every workload')}
${command('dry-run', 'log decisions, launch and drain nothing; --all: global')}
${command('evacuate', 'run the home capacity in the burst regions')}
${command('end-evacuation', 'end an evacuation: drain back by the policy')}
${command('site', 'declare a site lost (evacuate its workloads) or recovered')}

Exercise (a readiness drill: one task per burst region, RUNNING, healthy, drained; within the maxes):
${command('drill', 'start it; --wait: print the result per region')}

Options:
  --env <local|dev|staging|prod>   where to act (default local: the runtime \`make run\` started)
  --runtime-file <path>            local only: the runtime's info file (default SPILLWAY_RUNTIME_FILE,
                                   or the one live runtime in .local/runtimes/)
  --region <region>                control region (default: the environment config's)
  --profile <profile>              AWS profile for a deployed environment
  --json                           machine-readable output (fields in docs/operations.md)
  --limit <n>                      history: entries, 1 to 1000 (default 20)
  --reason "…"                     why; required for every command that changes state
  --until <ISO time>               pause, evacuate: when it ends by itself (with a zone, in the future)
  --all                            drain: every burst task of the workload; pause, resume, dry-run: every
                                   workload of the environment
  --wait                           drill: wait for every region's result and print them (exit 1 unless
                                   all passed)
  --force                          drain: even while an alert fires (the policy would call the drain
                                   off at once; pause the workload first to keep it down)
  -h, --help                       this text

Exit codes: 0 done; 1 AWS or runtime error (the message says which); 2 bad input (nothing was sent).`;
