import type { SpillwayConfig } from '../config/schema';

/** What the local stand-ins for EventBridge Scheduler's schedules take. */
export interface ScheduleTimerOptions {
  readonly config: SpillwayConfig;
  /** Puts one message body on the signals queue; a rejection means "not sent, try again". */
  readonly send: (body: string) => Promise<void>;
  /** @default the system clock */
  readonly clock?: () => Date;
  /** How often the timer looks for commands due; on AWS, Scheduler's precision is a minute. */
  readonly intervalMs: number;
  readonly log: (line: string) => void;
}

/** Stops the timer; resolves once a send in flight has finished. */
export type StopScheduleTimer = () => Promise<void>;

/** How `sendOwed` puts one scheduled command on the queue and tells the log. */
export interface OwedSend<T> {
  readonly send: (body: string) => Promise<void>;
  readonly log: (line: string) => void;
  /** The message body, the one the deployed schedule delivers. */
  readonly body: (item: T) => string;
  /** The log line once sent. */
  readonly sent: (item: T) => string;
  /** What was not sent, for the line `<what> not sent, retrying: <error>`. */
  readonly what: (item: T) => string;
}

/** Sends each owed command in turn; returns those whose send failed, to try again on a later tick. */
export async function sendOwed<T>(owed: readonly T[], how: OwedSend<T>): Promise<T[]> {
  const failed: T[] = [];
  for (const item of owed) {
    try {
      await how.send(how.body(item));
      how.log(how.sent(item));
    } catch (error) {
      how.log(`${how.what(item)} not sent, retrying: ${(error as Error).message}`);
      failed.push(item);
    }
  }
  return failed;
}

/**
 * Runs `tick` every `intervalMs` until stopped, and first at once when `immediately`. Ticks never
 * overlap: a slow send delays the next one instead of racing it.
 */
export function everyInterval(
  tick: () => Promise<void>,
  intervalMs: number,
  immediately: boolean,
): StopScheduleTimer {
  let running: Promise<void> = immediately ? tick() : Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
