import type { Decision, DecisionAction, Placement, RegionCandidate } from '../core/decision';
import { money } from './render-status';

const taskId = (taskArn: string): string => taskArn.split('/').at(-1)?.slice(0, 8) ?? taskArn;

function placement(p: Placement): string {
  return `${p.count} in ${p.region}${p.spot ? ` (${p.spot} Spot)` : ''}`;
}

/** The choice itself, in the decision's structured form (the reason is the policy's prose). */
export function describeAction(action: DecisionAction): string | undefined {
  if (action.kind === 'scale_out') {
    const parts =
      action.placements.length > 0 ? [`start ${action.placements.map(placement).join(', ')}`] : [];
    if (action.cancelDrains?.length)
      parts.push(
        `keep ${action.cancelDrains.length} draining (${action.cancelDrains.map((t) => taskId(t.taskArn)).join(' ')})`,
      );
    return parts.join('; ');
  }
  if (action.kind === 'scale_in')
    return `drain ${action.tasks.map((t) => `${t.region}/${taskId(t.taskArn)}`).join(' ')}`;
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
  const action = describeAction(decision.action);
  if (action) parts.push(action);
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
