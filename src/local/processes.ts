import { readFileSync } from 'node:fs';

/**
 * True once `pid` has exited. A zombie still answers `kill -0`, and a moto orphaned by a crashed
 * runtime may belong to a parent that never reaps it (PID 1 in a container), so Linux's own word
 * on its state decides.
 */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is alive and runs `program` (a word of its command line): a recorded pid may
 * have been reused since. Without /proc, alive is all that can be told.
 */
export function runs(pid: number, program: string): boolean {
  if (processGone(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(program);
  } catch {
    return true;
  }
}
