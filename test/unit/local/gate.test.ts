import { describe, expect, it } from 'vitest';
import { createGate } from '../../../src/local/gate';

describe('the gate in front of the emulator', () => {
  it('lets callers through while open, and refuses them at once while closed', async () => {
    // Prepare
    const gate = createGate();

    // Act
    const before = gate.tryEnter();
    before?.();
    await gate.close();
    const during = gate.tryEnter();

    // Assess
    expect(before).toBeTypeOf('function');
    expect(during).toBeUndefined();
  });

  it('closes only once every holder has left', async () => {
    // Prepare
    const gate = createGate();
    const first = gate.tryEnter();
    const second = gate.tryEnter();
    let closed = false;

    // Act
    const closing = gate.close().then(() => {
      closed = true;
    });
    first?.();
    first?.(); // a second release of the same pass counts once
    await Promise.resolve();
    const closedWithOneHolder = closed;
    second?.();
    await closing;

    // Assess
    expect(closedWithOneHolder).toBe(false);
    expect(closed).toBe(true);
  });

  it('holds waiting callers until it opens again', async () => {
    // Prepare
    const gate = createGate();
    await gate.close();
    let entered = false;

    // Act
    const waiting = gate.enter().then((release) => {
      entered = true;
      return release;
    });
    await Promise.resolve();
    const enteredWhileClosed = entered;
    gate.open();
    const release = await waiting;

    // Assess
    expect(enteredWhileClosed).toBe(false);
    expect(entered).toBe(true);
    expect(gate.isOpen).toBe(true);
    release();
  });
});
