import { describe, expect, it } from 'vitest';
import { runDemo } from '../../scripts/demo';

/**
 * `make demo`, run as a test: the same script against a runtime of its own on config/local.yaml,
 * so a change that breaks the scenario a newcomer sees first breaks the build instead.
 */
describe('make demo', () => {
  it('bursts on the alarm and drains on its resolution, step by step', async () => {
    // Prepare
    const lines: string[] = [];

    // Act
    await runDemo({ say: (line) => lines.push(line), ownRuntime: true });

    // Assess
    const timeline = lines.join('\n');
    expect(timeline).toMatch(/\(firing, checkout-api\) → 202/);
    expect(timeline).toMatch(/\d+ burst task\(s\) RUNNING in us-west-2/);
    expect(timeline).toMatch(/\(resolved\) → 202/);
    expect(timeline).toMatch(/drain execution checkout-api-[0-9a-f-]+-[0-9a-f]{6} started in Step Functions/);
    expect(timeline).toMatch(/\d+ drain execution\(s\) SUCCEEDED/);
    expect(timeline).toMatch(/ECS STOPPED, recorded stopped/);
    expect(lines.at(-1)).toBe('demo complete: burst on alarm, drain on resolve');
  }, 120_000);
});
