import type { SpillwayConfig } from '../config/schema';
import type { OperatorCommand } from './command';
import { DRILL_SCHEDULE_REQUESTER } from './drill';
import { commandMessageBody } from './maintenance';

/**
 * Scheduled readiness drills as commands: one per drilled workload each time the schedule fires.
 * EventBridge Scheduler delivers them on AWS, substituting the time it fired for the placeholder
 * (so the id, derived from that time, is the same for every delivery of one firing, and a
 * redelivery is applied once); the local runtime's timer puts the same bytes on the queue.
 */

/** What EventBridge Scheduler replaces with the time a schedule fired (ISO-8601, UTC, seconds). */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

/** The workloads the schedule drills: the listed ones, or every workload. */
export function drilledWorkloads(config: SpillwayConfig): readonly string[] {
  return config.drills?.workloads ?? config.workloads.map((w) => w.name);
}

/** The drill command one firing sends for one workload; `at` is the firing's time or SCHEDULED_TIME. */
export function scheduledDrillCommand(config: SpillwayConfig, workload: string, at: string): OperatorCommand {
  return {
    id: `drill-sched-${workload}-${at}`,
    workload,
    action: 'drill',
    reason: `scheduled readiness drill (${config.drills?.schedule ?? 'no schedule'})`,
    requestedBy: DRILL_SCHEDULE_REQUESTER,
    issuedAt: at,
  };
}

/** The exact message body a drill schedule puts on the signals queue. */
export const scheduledDrillBody = (config: SpillwayConfig, workload: string, at: string): string =>
  commandMessageBody(scheduledDrillCommand(config, workload, at));

export { ratePeriodSeconds } from '../config/schedule-rate';
