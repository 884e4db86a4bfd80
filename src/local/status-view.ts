import type { Decision } from '../core/decision';
import { describeChoice } from '../core/describe-choice';
import { recentDecisions, type StatusDeps, type StatusReport, statusReport } from '../usecases/status';

/** Decisions the page's timeline shows, across workloads. */
const TIMELINE_LENGTH = 30;

export interface TimelineEntry extends Decision {
  /** What was chosen, in the words `spillway history` uses; null for a hold. */
  readonly detail: string | null;
}

/** What `GET /status` serves: `spillway status --json`, plus the recent decisions for the page. */
export interface StatusView extends StatusReport {
  readonly decisions: readonly TimelineEntry[];
}

export async function statusView(
  deps: StatusDeps & { readonly store: StatusDeps['store'] & Parameters<typeof recentDecisions>[1] },
): Promise<StatusView> {
  const [report, decisions] = await Promise.all([
    statusReport(deps),
    recentDecisions(deps.config, deps.store, TIMELINE_LENGTH),
  ]);
  return {
    ...report,
    decisions: decisions.map((d) => ({
      ...d,
      detail: describeChoice({ reason: d.reason, action: d.wouldHave ?? d.action }) ?? null,
    })),
  };
}
