import type { Decision, RegionCandidate } from '../core/decision';
import { describeChoice } from '../core/describe-choice';
import { money } from './render-status';

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
