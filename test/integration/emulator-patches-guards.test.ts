import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOTO_SERVER, MOTO_WITH_PATCHES } from '../../src/local/moto-process';

const PYTHON = resolve(dirname(MOTO_SERVER), 'python3');

/** Runs Python in the emulator's environment, with the patches importable. */
function python(code: string) {
  const run = spawnSync(
    PYTHON,
    [
      '-c',
      `import sys; sys.dont_write_bytecode = True; sys.path.insert(0, ${JSON.stringify(dirname(MOTO_WITH_PATCHES))})\n${code}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: run.status, stderr: run.stderr };
}

describe('the emulator patches: what guards them', () => {
  it("keep moto calls atomic, and each answer its own request's, when threads interrupt each other at every step", () => {
    // Act
    const run = spawnSync(PYTHON, [resolve(import.meta.dirname, 'emulator-races.py')], {
      encoding: 'utf8',
      timeout: 120_000,
    });

    // Assess: each race went right, nothing listed.
    expect(run.stderr).toBe('');
    const races = JSON.parse(run.stdout) as Record<string, string[]>;
    expect(Object.keys(races)).toHaveLength(6);
    for (const problems of Object.values(races)) expect(problems).toEqual([]);
  });

  it('refuse another moto version, naming both', () => {
    const run = python(
      'import importlib.metadata\nimportlib.metadata.version = lambda name: "9.9.9"\nfrom spillway_moto import pins\npins.check_version()',
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('written for moto 5.2.5');
    expect(run.stderr).toContain('has moto 9.9.9');
  });

  it('refuse a moto function whose source changed, naming the patch and the function', () => {
    const run = python(
      [
        'from spillway_moto import pins',
        'from moto.dynamodb.models.table import Table',
        'pins.pinned("a patch", Table.query, "0123456789abcdef")',
        'pins.fail_if_changed()',
      ].join('\n'),
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "patch 'a patch': moto changed moto.dynamodb.models.table.Table.query (source digest ",
    );
    expect(run.stderr).toContain('written for 0123456789abcdef');
  });
});
