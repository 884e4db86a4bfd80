import type { WorkloadConfig } from '../config/schema';
import type { AlertRecord, WorkloadState } from './workload-state';

/**
 * How many tasks one scale-out starts while alerts fire, before the bounds. Proportional sizing
 * wins when the workload has a metric target and a firing alert carries a value: desired capacity
 * = ceil(capacity × value / target), where capacity = live burst tasks + homeCapacityTasks, and the
 * burst part of it is what is started. Otherwise scaleOutStep × the severity steps of the most
 * severe firing alert (one step per alert when the workload sets no severitySteps).
 */
export function scaleOutAmount(
  workload: WorkloadConfig,
  state: WorkloadState,
  firing: readonly string[],
  liveTotal: number,
): { count: number; why: string } {
  const records: Pick<AlertRecord, 'severity' | 'value'>[] = firing
    .map((key) => state.alerts[key])
    .filter((a): a is AlertRecord => !!a);
  // A storm's summarised alerts press with their highest severity and value.
  if (state.alertOverflow) records.push(state.alertOverflow);
  const values = records.map((a) => a.value).filter((v): v is number => v !== undefined);
  if (workload.scaleOnMetric && values.length > 0) {
    const value = Math.max(...values);
    const target = workload.scaleOnMetric.target;
    const home = workload.homeCapacityTasks ?? 1;
    const capacity = liveTotal + home;
    const desiredCapacity = Math.ceil((capacity * value) / target);
    const count = desiredCapacity - home - liveTotal;
    return {
      count,
      why: `metric ${value} against target ${target}: capacity ${capacity} → ${desiredCapacity} task(s)${count <= 0 ? ', enough already' : ''}`,
    };
  }
  if (!workload.severitySteps) return { count: workload.scaleOutStep, why: '' };
  const steps = workload.severitySteps;
  const most = Math.max(...records.map((a) => steps[a.severity]));
  const severity = records.find((a) => steps[a.severity] === most)?.severity ?? 'info';
  return {
    count: workload.scaleOutStep * most,
    why: `${severity}: ${most} step(s) of ${workload.scaleOutStep}`,
  };
}

/** What an evacuation runs in the burst regions: the home site's capacity, within maxBurstTasks. */
export function evacuationTarget(workload: WorkloadConfig): number {
  return Math.min(workload.homeCapacityTasks ?? workload.maxBurstTasks, workload.maxBurstTasks);
}
