import type {
  ControlStatus,
  DrillStatus,
  RegionBreaker,
  StatusReport,
  WorkloadStatus,
} from '../usecases/status';
import { renderSites } from './render-sites';
import { clip, seconds, table } from './table';

/** Prices are estimates: four decimals for task-hour sized amounts, two once they are large. */
export const money = (amount: number): string => amount.toFixed(amount >= 100 ? 2 : 4);

/** A cost with unpriced regions counted as 0 is a floor, and says so. */
function costCell(perHour: number, priced: boolean, tasks: number): string {
  if (priced) return money(perHour);
  if (perHour > 0) return `≥${money(perHour)}`;
  return tasks > 0 ? 'n/a' : money(0);
}

const guardCell = (max: number | null): string => (max === null ? '-' : money(max));

/** Short words for the table; the details (who, why, until) follow on their own lines. */
function controlWords(workload: WorkloadStatus): string[] {
  const { paused, dryRun, evacuation } = workload.controls;
  const words: string[] = [];
  if (paused) words.push(paused.expired ? 'pause expired' : 'PAUSED');
  if (dryRun) words.push('DRY-RUN');
  if (evacuation) words.push(evacuation.expired ? 'evacuation expired' : 'EVACUATING');
  if (workload.cost.maxPerHour !== null && workload.cost.perHour >= workload.cost.maxPerHour)
    words.push('AT SPEND GUARD');
  return words;
}

function describeControl(what: string, control: ControlStatus): string {
  const by = control.requestedBy ? ` by ${control.requestedBy}` : '';
  const until = control.until
    ? control.expired
      ? ` until ${seconds(control.until)} (expired)`
      : ` until ${seconds(control.until)}`
    : '';
  return `${what} since ${seconds(control.since)}${by}${until}: "${control.reason}"`;
}

function details(workload: WorkloadStatus): string[] {
  const { paused, dryRun, evacuation } = workload.controls;
  const lines: string[] = [];
  if (workload.problem) lines.push(`STATE UNREADABLE: ${workload.problem}`);
  if (workload.firingAlerts.length > 0) lines.push(`firing: ${workload.firingAlerts.join(', ')}`);
  if (paused) lines.push(describeControl('paused', paused));
  if (dryRun) lines.push(describeControl('dry-run', dryRun));
  if (evacuation) {
    const what = evacuation.window ? `evacuating (window ${evacuation.window})` : 'evacuating';
    lines.push(describeControl(what, evacuation));
  }
  for (const drill of workload.drills ?? []) lines.push(describeDrill(drill));
  return lines.map((line) => clip(`    ${line}`));
}

/** A region's drill: the one under way, else the last result with its finding. */
function describeDrill(drill: DrillStatus): string {
  if (drill.underWay)
    return `drill ${drill.region}: under way (${drill.underWay.phase}) since ${seconds(drill.underWay.requestedAt)}`;
  const last = drill.last;
  if (!last) return `drill ${drill.region}: none`;
  const times = [
    last.secondsToRunning !== null ? `RUNNING after ${last.secondsToRunning} s` : '',
    last.secondsToHealthy !== null ? `healthy after ${last.secondsToHealthy} s` : '',
    last.drained ? 'drained' : '',
  ].filter(Boolean);
  const outcome = last.outcome === 'passed' ? 'passed' : last.outcome.toUpperCase();
  return `drill ${drill.region}: ${outcome} ${seconds(last.finishedAt)}${times.length > 0 ? ` (${times.join(', ')})` : ''}${last.error ? `: ${last.error}` : ''}`;
}

const COLUMNS = [
  { header: 'WORKLOAD', max: 24 },
  { header: 'HOME', max: 12 },
  { header: 'BURST', align: 'right' },
  { header: 'ON-DEM', align: 'right' },
  { header: 'SPOT', align: 'right' },
  { header: 'PEND', align: 'right' },
  { header: 'DRAIN', align: 'right' },
  { header: 'ALERTS', align: 'right' },
  { header: 'COST/H', align: 'right' },
  { header: 'GUARD/H', align: 'right' },
  { header: 'CONTROLS' },
] as const;

interface Entry {
  readonly cells: readonly string[];
  readonly details: readonly string[];
}

function workloadEntries(workload: WorkloadStatus): Entry[] {
  const onDemand = workload.burstRegions.reduce((n, r) => n + r.onDemand, 0);
  const spot = workload.burstRegions.reduce((n, r) => n + r.spot, 0);
  const entries: Entry[] = [
    {
      cells: [
        workload.workload,
        workload.homeSite,
        `${workload.liveTasks}/${workload.maxBurstTasks}`,
        String(onDemand),
        String(spot),
        String(workload.pendingLaunches),
        String(workload.drainingTasks),
        String(workload.firingAlerts.length),
        costCell(workload.cost.perHour, workload.cost.priced, workload.liveTasks),
        guardCell(workload.cost.maxPerHour),
        controlWords(workload).join(', '),
      ],
      details: [],
    },
  ];
  // A region line only where tasks are (or ECS could not be asked): an idle workload stays one
  // line, and an open breaker is in the table of regions below.
  for (const region of workload.burstRegions) {
    const live = region.onDemand + region.spot + region.pending;
    if (live === 0 && !region.ecsError) continue;
    const notes = [
      ...(region.breakerOpen ? ['breaker OPEN'] : []),
      ...(region.ecsError ? [`ECS not reachable: ${region.ecsError}`] : []),
    ];
    entries.push({
      cells: [
        `  ${region.region}`,
        '',
        `${live}/${region.maxTasks}`,
        String(region.onDemand),
        String(region.spot),
        String(region.pending),
        String(region.draining),
        '',
        costCell(region.costPerHour, workload.cost.priced, live),
        '',
        notes.join(', '),
      ],
      details: [],
    });
  }
  const last = entries.length - 1;
  entries[last] = { ...(entries[last] as Entry), details: details(workload) };
  return entries;
}

function breakerDetail(b: RegionBreaker): string {
  if (b.state === 'open' && b.openUntil)
    return `skipped until ${seconds(b.openUntil)}${b.lastFailure ? `; last failure: ${b.lastFailure}` : ''}`;
  if (b.state === 'failing')
    return `last failure${b.lastFailureAt ? ` ${seconds(b.lastFailureAt)}` : ''}: ${b.lastFailure ?? 'unknown'}`;
  return '';
}

function breakerLines(breakers: readonly RegionBreaker[] | null): string[] {
  if (breakers === null) return ['launch breakers: not reported by this state store'];
  return table(
    [
      { header: 'BURST REGION' },
      { header: 'LAUNCH BREAKER' },
      { header: 'FAILURES', align: 'right' },
      { header: 'DETAIL' },
    ],
    breakers.map((b) => [
      b.region,
      b.state === 'open' ? 'OPEN' : b.state,
      String(b.consecutiveFailures),
      breakerDetail(b),
    ]),
  );
}

/** The status as an on-call SRE reads it, at most 120 columns wide. */
export function renderStatus(report: StatusReport): string {
  const t = report.totals;
  const cost = costCell(t.costPerHour, t.priced, t.liveTasks);
  const guard = t.maxCostPerHour === null ? 'no spend guard' : `spend guard ${money(t.maxCostPerHour)}/h`;
  const summary = [
    `spillway ${report.environment} at ${seconds(report.at)}`,
    clip(
      `${t.liveTasks} burst task(s): ${t.onDemand} on demand, ${t.spot} Spot, ${t.pendingLaunches} pending, ` +
        `${t.drainingTasks} draining · ${t.firingAlerts} alert(s) firing · ` +
        `cost ${cost.startsWith('≥') ? cost : `≈${cost}`}/h, ${guard}`,
    ),
  ];
  const entries = [
    ...report.workloads.flatMap(workloadEntries),
    {
      cells: [
        'TOTAL',
        '',
        String(t.liveTasks),
        String(t.onDemand),
        String(t.spot),
        String(t.pendingLaunches),
        String(t.drainingTasks),
        String(t.firingAlerts),
        costCell(t.costPerHour, t.priced, t.liveTasks),
        guardCell(t.maxCostPerHour),
        t.maxCostPerHour !== null && t.costPerHour >= t.maxCostPerHour ? 'AT SPEND GUARD' : '',
      ],
      details: [],
    },
  ];
  const [header = '', ...rows] = table(
    COLUMNS,
    entries.map((e) => e.cells),
  );
  const body = rows.flatMap((row, i) => [row, ...(entries[i]?.details ?? [])]);
  const sites = report.sites && report.sites.length > 0 ? ['', ...renderSites(report.sites)] : [];
  return [...summary, '', header, ...body, '', ...breakerLines(report.regionHealth), ...sites].join('\n');
}
