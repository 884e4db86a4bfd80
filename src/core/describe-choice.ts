import type { Decision, DecisionAction } from './decision';
import { taskLabel } from './ids';
import { describePlacements } from './scale-out';

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
