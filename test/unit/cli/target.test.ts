import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../src/cli/args';
import { RUNTIME_FILE_ENV, resolveTarget, TargetError } from '../../../src/cli/target';
import { recordRuntime, runtimeFileOf } from '../../../src/local/runtime-files';
import { aConfig } from '../factories';

/** A pid no process has: Linux pids stop at 2^22. */
const ENDED = 4_194_305;

/** What `make run` records, for a runtime on `port` run by `pid` (this test's process is alive). */
function recordAt(directory: string, port: number, pid: number): string {
  const file = runtimeFileOf(directory, port);
  recordRuntime(file, {
    url: `http://127.0.0.1:${port}`,
    pid,
    endpoint: `http://127.0.0.1:${port + 1000}`,
    stateTable: `state-${port}`,
    signalsQueueUrl: `http://queue/${port}`,
    signalsDlqUrl: `http://dlq/${port}`,
    effectiveConfig: aConfig(),
  });
  return file;
}

const runtimesDirectory = () => join(mkdtempSync(join(tmpdir(), 'spillway-target-')), 'runtimes');

describe('the local runtime the CLI talks to', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is the one live runtime, when another one recorded has ended', async () => {
    // Prepare
    const runtimes = runtimesDirectory();
    recordAt(runtimes, 8787, ENDED);
    recordAt(runtimes, 8788, process.pid);
    vi.stubEnv(RUNTIME_FILE_ENV, '');

    // Act
    const target = await resolveTarget({ env: 'local', runtimeDirectories: [runtimes] });

    // Assess
    expect(target).toMatchObject({ endpoint: 'http://127.0.0.1:9788', stateTable: 'state-8788' });
  });

  it('is asked for, as bad input listing the live runtimes, when two run on different ports', async () => {
    // Prepare
    const runtimes = runtimesDirectory();
    const first = recordAt(runtimes, 8787, process.pid);
    const second = recordAt(runtimes, 8788, process.pid);
    vi.stubEnv(RUNTIME_FILE_ENV, '');

    // Act
    const target = resolveTarget({ env: 'local', runtimeDirectories: [runtimes] });

    // Assess
    await expect(target).rejects.toThrow(UsageError);
    await expect(target).rejects.toThrow(
      `2 local runtimes are running; name one with --runtime-file (or SPILLWAY_RUNTIME_FILE):\n  ${first}  http://127.0.0.1:8787 (pid ${process.pid})\n  ${second}  http://127.0.0.1:8788 (pid ${process.pid})`,
    );
  });

  it('is the one SPILLWAY_RUNTIME_FILE names, even when several run', async () => {
    // Prepare
    const runtimes = runtimesDirectory();
    recordAt(runtimes, 8787, process.pid);
    vi.stubEnv(RUNTIME_FILE_ENV, recordAt(runtimes, 8788, process.pid));

    // Act
    const target = await resolveTarget({ env: 'local', runtimeDirectories: [runtimes] });

    // Assess
    expect(target.stateTable).toBe('state-8788');
  });

  it('is missing, saying where it looked and how to start one, when none runs', async () => {
    // Prepare
    const runtimes = runtimesDirectory();
    recordAt(runtimes, 8787, ENDED);
    vi.stubEnv(RUNTIME_FILE_ENV, '');

    // Act
    const target = resolveTarget({ env: 'local', runtimeDirectories: [runtimes] });

    // Assess
    await expect(target).rejects.toThrow(TargetError);
    await expect(target).rejects.toThrow(
      `no local runtime is running (none recorded in ${runtimes}): start one with \`make run\``,
    );
  });
});
