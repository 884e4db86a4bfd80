import type { Gate } from './gate';

export interface ReconcileTimer {
  /** Runs the reconciler once more after any run under way (tests use it instead of the timer). */
  now(): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Stands in for the scheduled rule in front of the reconcile function. Runs never overlap, and a
 * tick that finds a run under way is skipped rather than queued: a reconcile over many workloads
 * can take longer than the interval, and queued ticks would keep the emulator busy for nothing.
 */
export function startReconcileTimer(options: {
  readonly run: () => Promise<unknown>;
  readonly everySeconds: number;
  readonly gate: Pick<Gate, 'enter' | 'isOpen'>;
  readonly log: (line: string) => void;
}): ReconcileTimer {
  let chain: Promise<unknown> = Promise.resolve();
  let pending = 0;
  const now = () => {
    pending++;
    chain = chain
      .catch(() => {})
      .then(async () => {
        const release = await options.gate.enter();
        try {
          return await options.run();
        } finally {
          release();
          pending--;
        }
      })
      .catch((error: Error) => options.log(`reconcile failed: ${error.message}`));
    return chain;
  };
  const timer = setInterval(() => {
    if (pending === 0 && options.gate.isOpen) void now();
  }, options.everySeconds * 1000);
  return {
    now,
    stop: async () => {
      clearInterval(timer);
      await chain.catch(() => {});
    },
  };
}
