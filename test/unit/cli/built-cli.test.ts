import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../../scripts/build-cli';

const directory = mkdtempSync(join(tmpdir(), 'spillway-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('the built CLI', () => {
  it('runs on Node.js alone, without tsx or the repository around it', async () => {
    // Prepare: the bundle, copied away from node_modules so nothing can be resolved from there
    const outfile = join(directory, 'spillway.mjs');
    await buildCli(outfile);

    // Act
    const help = spawnSync(process.execPath, [outfile, '--help'], {
      cwd: directory,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    const bad = spawnSync(process.execPath, [outfile, 'burst', 'checkout-api'], {
      cwd: directory,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });

    // Assess
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^spillway <command> \[options\]/);
    expect(help.stdout).toMatch(/history <workload>/);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/burst needs a task count/);
  }, 60_000);
});
