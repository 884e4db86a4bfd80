// zod/mini, as decide and reconcile parse everything else with it: classic zod would add about
// 92 KB to bundles that are near their budget.
import * as z from 'zod/mini';
import { signalSources } from '../core/signal';
import type { WorkloadState } from '../core/workload-state';

/**
 * The shape of WorkloadState as stored, checked on every read: a state item that does not have it
 * fails with the path of the first bad field instead of misleading the policy. Field types and
 * enums only: timestamps are strings here, which keeps a read of the largest state cheap.
 */

const count = () => z.number().check(z.int(), z.minimum(0));
const severity = z.enum(['info', 'warning', 'critical']);

const burstTask = z.object({
  taskArn: z.string(),
  taskId: z.string(),
  region: z.string(),
  cluster: z.string(),
  decisionId: z.string(),
  startedAt: z.string(),
  status: z.enum(['running', 'drain_requested', 'draining', 'cancel_requested', 'stopped', 'drain_failed']),
  ecsStatus: z.optional(z.string()),
  drainRequestedAt: z.optional(z.string()),
  drainExecution: z.optional(z.string()),
  stoppedAt: z.optional(z.string()),
  stopReason: z.optional(z.string()),
  privateIp: z.optional(z.string()),
  registeredTarget: z.optional(z.boolean()),
  capacity: z.optional(z.enum(['on_demand', 'spot'])),
  interruptedAt: z.optional(z.string()),
  cancelRefusedAt: z.optional(z.string()),
  replaced: z.optional(z.boolean()),
  drainFailures: z.optional(count()),
  drainFailedAt: z.optional(z.string()),
  compensating: z.optional(z.boolean()),
});

const alertRecord = z.object({
  source: z.enum(signalSources),
  state: z.enum(['firing', 'resolved']),
  severity,
  value: z.optional(z.number()),
  observedAt: z.string(),
  lastSeenAt: z.optional(z.string()),
  silentSince: z.optional(z.string()),
  summary: z.optional(z.string()),
  name: z.optional(z.string()),
});

const alertOverflow = z.object({
  alerts: count(),
  severity,
  value: z.optional(z.number()),
  since: z.string(),
  newest: z.string(),
  lastSeenAt: z.string(),
});

const operatorCommand = {
  since: z.string(),
  reason: z.string(),
  commandId: z.string(),
  requestedBy: z.optional(z.string()),
};

const pendingLaunch = z.object({
  decisionId: z.string(),
  region: z.string(),
  count: count(),
  spot: z.optional(count()),
  requestedAt: z.string(),
  attempts: count(),
  claimedAt: z.optional(z.string()),
  signalObservedAt: z.optional(z.string()),
  stayPut: z.optional(z.boolean()),
});

const drillRun = z.object({
  drillId: z.string(),
  region: z.string(),
  cluster: z.string(),
  requestedAt: z.string(),
  requestedBy: z.optional(z.string()),
  phase: z.enum(['starting', 'started', 'draining']),
  taskArn: z.optional(z.string()),
  ecsStatus: z.optional(z.string()),
  privateIp: z.optional(z.string()),
  runningAt: z.optional(z.string()),
  healthyAt: z.optional(z.string()),
  registeredTarget: z.optional(z.boolean()),
  drainRequestedAt: z.optional(z.string()),
  drainExecution: z.optional(z.string()),
  error: z.optional(z.string()),
  reported: z.optional(z.boolean()),
  compensating: z.optional(z.boolean()),
});

export const workloadStateSchema = z.object({
  workload: z.string().check(z.minLength(1)),
  version: count(),
  alerts: z.record(z.string(), alertRecord),
  alertOverflow: z.optional(alertOverflow),
  forgotten: z.optional(z.record(z.string(), z.string())),
  applied: z.record(z.string(), z.string()),
  lastScaleOutAt: z.optional(z.string()),
  lastScaleInAt: z.optional(z.string()),
  pendingLaunches: z.array(pendingLaunch),
  tasks: z.record(z.string(), burstTask),
  desiredTasks: z.optional(count()),
  replacements: z.optional(z.array(z.string())),
  paused: z.optional(z.object({ ...operatorCommand, until: z.optional(z.string()) })),
  dryRun: z.optional(z.object(operatorCommand)),
  evacuation: z.optional(
    z.object({
      ...operatorCommand,
      until: z.optional(z.string()),
      window: z.optional(z.string()),
      exceedSpendGuard: z.optional(z.boolean()),
    }),
  ),
  controlsIssuedAt: z.optional(
    z.object({
      pause: z.optional(z.string()),
      dryRun: z.optional(z.string()),
      evacuation: z.optional(z.string()),
    }),
  ),
  drills: z.optional(z.record(z.string(), drillRun)),
  rebalance: z.optional(
    z.object({
      decisionId: z.string(),
      from: z.string(),
      to: z.string(),
      count: count(),
      startedAt: z.string(),
      capacity: z.optional(z.literal('spot')),
    }),
  ),
  lastRebalanceAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
});

// The schema and the type must describe the same state: a field added to one and not the other,
// or typed differently, fails the type check here rather than being dropped or misread at runtime.
type Writable<T> = T extends readonly (infer E)[]
  ? Writable<E>[]
  : T extends object
    ? { -readonly [K in keyof T]: Writable<T[K]> }
    : T;
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaIsWorkloadState: Same<
  Writable<z.output<typeof workloadStateSchema>>,
  Writable<WorkloadState>
> = true;
void schemaIsWorkloadState;
