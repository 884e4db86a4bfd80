import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPOSITORY = resolve(import.meta.dirname, '../../..');

/** What `make` would run to rebuild `target` as if `changed` had just changed (`-n`: nothing runs). */
const planFor = (target: string, changed: string) =>
  execFileSync('make', ['-n', '-W', changed, target], { cwd: REPOSITORY, encoding: 'utf8' });

describe("make run's first start, before the runtime itself says anything", () => {
  it('says it is installing the node modules, and that it takes a while', () => {
    // Act
    const plan = planFor('node_modules/.install-stamp', 'package.json');

    // Assess
    expect(plan).toMatch(/^echo "make: installing node modules \(npm ci.*\)"$/m);
  });

  it('says it is installing the emulator, then shows pip fetching each package as it goes', () => {
    // Act
    const plan = planFor('.venv/bin/moto_server', 'requirements-emulator.txt');

    // Assess
    expect(plan).toMatch(/^echo "make: installing the AWS emulator .* a few minutes.*"$/m);
    const pip = plan.split('\n').find((line) => line.includes('pip install'));
    expect(pip).not.toContain('--quiet');
    expect(pip).toMatch(/set -o pipefail; .* \| sed .*Collecting/);
    expect(plan).toMatch(/^echo "make: emulator installed/m);
  });
});
