import type { DrillResults } from '../adapters/drill-results';
import type { StateStore } from '../adapters/state-store';
import type { SpillwayConfig, WorkloadConfig } from '../config/schema';
import type { OperatorCommand } from '../core/command';
import {
  DRILL_HEALTHY_TIMEOUT_SECONDS,
  DRILL_RUNNING_TIMEOUT_SECONDS,
  type DrillResult,
  type DrillRun,
  drillCommandId,
} from '../core/drill';
import { buildCommand } from '../usecases/send-command';
import { table } from './table';

/** One region of one drill as the CLI shows it: its result once recorded, its progress until then. */
export interface DrillRow {
  readonly workload: string;
  readonly drillId: string;
  readonly region: string;
  readonly result: DrillResult | null;
  readonly run: DrillRun | null;
}

/** One drill command per workload, with an id derived from what was asked (a resend is the same drill). */
export function drillCommands(
  workloads: readonly string[],
  reason: string,
  requestedBy: string | undefined,
  issuedAt: Date,
): OperatorCommand[] {
  return workloads.map((workload) =>
    buildCommand({
      workload,
      action: 'drill',
      reason,
      id: drillCommandId(workload, issuedAt.toISOString(), requestedBy),
      issuedAt,
      ...(requestedBy ? { requestedBy } : {}),
    }),
  );
}

/** How long `--wait` waits for a workload's drill: every step's timeout, its drain, and slack. */
export function drillWaitSeconds(workload: WorkloadConfig): number {
  const deregistration = Math.max(0, ...workload.burstRegions.map((r) => r.deregistrationDelaySeconds ?? 0));
  return (
    DRILL_RUNNING_TIMEOUT_SECONDS +
    DRILL_HEALTHY_TIMEOUT_SECONDS +
    Math.max(workload.drainSeconds, deregistration) +
    180
  );
}

/** Where each region of the drills stands now: its result for this drill, or the drill in the state. */
export async function drillRows(
  config: SpillwayConfig,
  commands: readonly OperatorCommand[],
  store: Pick<StateStore, 'load'>,
  results: Pick<DrillResults, 'load'>,
): Promise<DrillRow[]> {
  const rows: DrillRow[] = [];
  for (const command of commands) {
    const workload = config.workloads.find((w) => w.name === command.workload);
    if (!workload) continue;
    const recorded = (await results.load(workload.name)).filter((r) => r.drillId === command.id);
    const state = await store.load(workload.name);
    for (const { region } of workload.burstRegions) {
      const run = state.drills?.[region];
      rows.push({
        workload: workload.name,
        drillId: command.id,
        region,
        result: recorded.find((r) => r.region === region) ?? null,
        run: run?.drillId === command.id ? run : null,
      });
    }
  }
  return rows;
}

export const drillsDone = (rows: readonly DrillRow[]): boolean => rows.every((row) => row.result !== null);
export const drillsPassed = (rows: readonly DrillRow[]): boolean =>
  rows.every((row) => row.result?.outcome === 'passed');

const seconds = (value: number | null | undefined): string => (value == null ? '-' : `${value} s`);
const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

/**
 * The table `spillway drill --wait` prints: one line per workload and region, then each error in
 * full on a line of its own (an error is the finding of a drill: it is never cut to fit a column).
 */
export function renderDrills(rows: readonly DrillRow[]): string {
  const lines = table(
    [
      { header: 'WORKLOAD', max: 40 },
      { header: 'REGION' },
      { header: 'RESULT' },
      { header: 'STARTED' },
      { header: 'TO RUNNING', align: 'right' },
      { header: 'TO HEALTHY', align: 'right' },
      { header: 'DRAINED' },
    ],
    rows.map((row) => {
      const { result, run } = row;
      if (result)
        return [
          row.workload,
          row.region,
          result.outcome,
          yesNo(result.started),
          seconds(result.secondsToRunning),
          seconds(result.secondsToHealthy),
          yesNo(result.drained),
        ];
      return [
        row.workload,
        row.region,
        run ? `under way (${run.phase})` : 'not yet known',
        yesNo(run?.taskArn !== undefined),
        run?.runningAt ? 'yes' : '-',
        run?.healthyAt ? 'yes' : '-',
        '-',
      ];
    }),
  );
  const errors = rows
    .map((row) => ({ row, error: row.result?.error ?? row.run?.error }))
    .filter((e): e is { row: DrillRow; error: string } => !!e.error)
    .map(({ row, error }) => `  ${row.workload} ${row.region}: ${error}`);
  return [...lines, ...(errors.length > 0 ? ['', 'errors:', ...errors] : [])].join('\n');
}
