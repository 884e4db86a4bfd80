/**
 * A gate in front of everything the local runtime does against the emulator on its own (the SQS
 * poller, the reconcile timer, ingest and status requests). Recovery closes it so that nothing
 * talks to the emulator while it is re-provisioned: moto's seeded ids come out the same only when
 * no other request draws from its random generator in between.
 */
export interface Gate {
  readonly isOpen: boolean;
  /** Enters when the gate is open, or returns undefined at once; call the result when done. */
  tryEnter(): (() => void) | undefined;
  /** Waits until the gate is open, then enters. */
  enter(): Promise<() => void>;
  /** Closes the gate; resolves once every holder has left. */
  close(): Promise<void>;
  open(): void;
}

export function createGate(): Gate {
  let open = true;
  let holders = 0;
  let drained: (() => void)[] = [];
  let opened: (() => void)[] = [];
  const leave = () => {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      holders--;
      if (holders === 0) {
        for (const done of drained) done();
        drained = [];
      }
    };
  };
  const gate: Gate = {
    get isOpen() {
      return open;
    },
    tryEnter() {
      if (!open) return undefined;
      holders++;
      return leave();
    },
    async enter() {
      for (;;) {
        const release = gate.tryEnter();
        if (release) return release;
        await new Promise<void>((done) => opened.push(done));
      }
    },
    close() {
      open = false;
      if (holders === 0) return Promise.resolve();
      return new Promise<void>((done) => drained.push(done));
    },
    open() {
      open = true;
      for (const done of opened) done();
      opened = [];
    },
  };
  return gate;
}
