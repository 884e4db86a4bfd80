import { describe, expect, it } from 'vitest';
import { statusReport } from '../../../src/usecases/status';
import { aConfig, aState, aTask, at, workloadDoc } from '../factories';

/** What the state store throws for an item it cannot read: permanent, retrying will not help. */
const unreadable = Object.assign(new Error('state item of workload search-api is invalid at state.tasks'), {
  retryable: false,
});

describe('status with an unreadable state item', () => {
  const config = aConfig({ workloads: [workloadDoc(), workloadDoc({ name: 'search-api' })], signals: {} });
  const ledger = { read: async () => new Map() };
  const compute = { describe: async () => [] };

  it('still shows every other workload, and says which one it could not read and why', async () => {
    // Act
    const report = await statusReport({
      config,
      store: {
        load: async (name: string) => {
          if (name === 'search-api') throw unreadable;
          return aState({ tasks: [aTask({ taskId: 't1' })] });
        },
      },
      compute,
      ledger,
      now: () => at(0),
    });

    // Assess
    const [checkout, search] = report.workloads;
    expect(checkout?.liveTasks).toBe(1);
    expect(checkout?.problem).toBeUndefined();
    expect(search?.workload).toBe('search-api');
    expect(search?.problem).toBe(unreadable.message);
    // The totals say they leave it out: they are a floor
    expect(report.totals.unreadable).toEqual(['search-api']);
    expect(report.totals.liveTasks).toBe(1);
  });

  it('fails as before on an error that may pass (a throttled read): status is not made up', async () => {
    // Act
    const report = statusReport({
      config,
      store: {
        load: async () => {
          throw Object.assign(new Error('throttled'), { retryable: true });
        },
      },
      compute,
      ledger,
      now: () => at(0),
    });

    // Assess
    await expect(report).rejects.toThrow('throttled');
  });
});
