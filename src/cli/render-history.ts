import type { Decision, DecisionAction, RegionCandidate } from '../core/decision';
import { taskLabel } from '../core/ids';
import { describePlacements } from '../core/scale-out';
import { money } from './render-status';

const tasks = (list: readonly { taskArn: string; region: string }[]): string =>
  list.map((t) => taskLabel(t.region, t.taskArn)).join(' ');

/**
 * What the decision's reason does not already say about its choice: the placements, unless the
 * policy's prose names them in its own words (it usually does), and which tasks were kept or
 * drained. Undefined when there is nothing to add.
 */
export function describeChoice(
  decision: Pick<Decision, 'reason'> & { action: DecisionAction },
): string | undefined {
  const { action, reason } = decision;
  if (action.kind === 'scale_out') {
    const start = action.placements.length > 0 ? describePlacements(action.placements) : '';
    const parts = start && !reason.includes(start) ? [start] : [];
    if (action.cancelDrains?.length) parts.push(`kept draining: ${tasks(action.cancelDrains)}`);
    return parts.length > 0 ? parts.join(' · ') : undefined;
  }
  if (action.kind === 'scale_in') return `tasks: ${tasks(action.tasks)}`;
  return undefined;
}

const score = (n: number): string => String(Math.round(n * 100) / 100);

/** Why this region: its score (lower wins), what it took, or why it took nothing. */
function candidate(c: RegionCandidate): string {
  const outcome = c.skipped ? `skipped: ${c.skipped}` : `took ${c.chosen}`;
  return `${c.region} score ${score(c.score)} ${outcome}`;
}

/** One line per decision: when, what, why, then the choice, the cost after it and the regions weighed. */
export function renderDecision(decision: Decision): string {
  const parts = [`${decision.at}  ${decision.action.kind.padEnd(9)}  ${decision.reason}`];
  const choice = describeChoice(decision);
  if (choice) parts.push(choice);
  if (decision.costPerHour !== undefined) parts.push(`cost ≈${money(decision.costPerHour)}/h`);
  if (decision.candidates?.length) parts.push(`regions: ${decision.candidates.map(candidate).join(', ')}`);
  if (decision.commands?.length)
    parts.push(`commands: ${decision.commands.map((c) => `${c.action} ${c.id} ${c.outcome}`).join(', ')}`);
  return parts.join(' · ');
}

export function renderHistory(workload: string, decisions: readonly Decision[]): string {
  if (decisions.length === 0) return `no decisions logged for ${workload} yet`;
  return decisions.map(renderDecision).join('\n');
}
