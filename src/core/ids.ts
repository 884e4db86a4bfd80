import { hash } from 'node:crypto';

/**
 * Short, stable, URL- and tag-safe digest of the parts: SHA-256 of each part followed by a NUL.
 * One-shot hashing: a Hash object per call was a tenth of the core's time.
 */
export function digest(parts: readonly string[], length = 24): string {
  let text = '';
  for (const part of parts) text += `${part}\u0000`;
  return hash('sha256', text, 'hex').slice(0, length);
}

/** ECS task id: the last segment of the task ARN. */
export function taskIdOf(taskArn: string): string {
  const id = taskArn.split('/').at(-1);
  if (!id) throw new Error(`not an ECS task ARN: ${taskArn}`);
  return id;
}

/**
 * A task as people read it wherever Spillway prints one (history, the page, the terminal): its
 * region and the first 8 characters of its id, which tell a burst's tasks apart; the full ARN is
 * in `status --json`.
 */
export function taskLabel(region: string, taskIdOrArn: string): string {
  return `${region}/${(taskIdOrArn.split('/').at(-1) ?? taskIdOrArn).slice(0, 8)}`;
}

/**
 * RunTask keeps a clientToken for 24 hours and accepts at most 64 characters: the same decision
 * and batch always yield the same token, so a retried invocation gets the same tasks back.
 */
export function runTaskClientToken(decisionId: string, region: string, batch: number): string {
  const token = `${decisionId}-${digest([region], 8)}-${batch}`;
  if (token.length > 64) throw new Error(`clientToken longer than 64 characters: ${token}`);
  return token;
}

/**
 * Step Functions execution names allow 80 characters of [A-Za-z0-9-_]. Naming a drain after its
 * task makes a second start of the same drain a no-op.
 */
export function drainExecutionName(workload: string, taskArn: string): string {
  const name = `${workload}-${taskIdOf(taskArn)}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return name.length <= 80 ? name : `${name.slice(0, 55)}-${digest([name], 24)}`;
}
