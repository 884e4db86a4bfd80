import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseRuntimeFile,
  liveRuntimes,
  recordRuntime,
  runtimeFileOf,
  SeveralRuntimes,
} from '../../../src/local/runtime-files';

const directory = () => join(mkdtempSync(join(tmpdir(), 'spillway-runtimes-')), 'runtimes');
const info = (port: number, pid: number) => ({ url: `http://127.0.0.1:${port}`, pid });
/** Processes 1001 and 1002 run; any other pid is a runtime that ended without removing its file. */
const alive = (pid: number) => pid === 1001 || pid === 1002;

describe('the files local runtimes record themselves in', () => {
  it('are one per port, and a runtime that exits removes its own and leaves the other', () => {
    // Prepare
    const runtimes = directory();
    const removeFirst = recordRuntime(runtimeFileOf(runtimes, 8787), info(8787, 1001));
    recordRuntime(runtimeFileOf(runtimes, 8788), info(8788, 1002));

    // Act
    removeFirst();

    // Assess
    expect(existsSync(runtimeFileOf(runtimes, 8787))).toBe(false);
    expect(JSON.parse(readFileSync(runtimeFileOf(runtimes, 8788), 'utf8'))).toEqual(info(8788, 1002));
  });

  it('is not removed by a runtime whose file another runtime has written over since', () => {
    // Prepare: SPILLWAY_RUNTIME_FILE names one file for two runtimes; the second wrote last.
    const file = join(directory(), 'shared.json');
    const removeFirst = recordRuntime(file, info(8787, 1001));
    recordRuntime(file, info(8788, 1002));

    // Act
    removeFirst();

    // Assess
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(info(8788, 1002));
  });

  it('count as live only while their process runs', () => {
    // Prepare
    const runtimes = directory();
    recordRuntime(runtimeFileOf(runtimes, 8787), info(8787, 1001));
    recordRuntime(runtimeFileOf(runtimes, 8789), info(8789, 4242));
    writeFileSync(join(runtimes, 'notes.txt'), 'not a runtime');
    writeFileSync(join(runtimes, '8790.json'), '{"half-written');

    // Act
    const live = liveRuntimes(runtimes, alive);

    // Assess
    expect(live).toEqual([{ file: runtimeFileOf(runtimes, 8787), url: 'http://127.0.0.1:8787', pid: 1001 }]);
  });
});

describe('choosing the local runtime to talk to', () => {
  it('takes the file given (--runtime-file or SPILLWAY_RUNTIME_FILE), whatever else runs', () => {
    // Prepare
    const runtimes = directory();
    recordRuntime(runtimeFileOf(runtimes, 8787), info(8787, 1001));
    recordRuntime(runtimeFileOf(runtimes, 8788), info(8788, 1002));

    // Act
    const chosen = chooseRuntimeFile({ given: '/tmp/elsewhere.json', directories: [runtimes], alive });

    // Assess
    expect(chosen).toBe('/tmp/elsewhere.json');
  });

  it('takes the one live runtime, passing over files runtimes that ended left behind', () => {
    // Prepare
    const runtimes = directory();
    recordRuntime(runtimeFileOf(runtimes, 8787), info(8787, 4242));
    recordRuntime(runtimeFileOf(runtimes, 8788), info(8788, 1002));

    // Act
    const chosen = chooseRuntimeFile({ directories: [runtimes], alive });

    // Assess
    expect(chosen).toBe(runtimeFileOf(runtimes, 8788));
  });

  it('asks which, listing each live runtime with its file and address, when several run', () => {
    // Prepare
    const runtimes = directory();
    recordRuntime(runtimeFileOf(runtimes, 8787), info(8787, 1001));
    recordRuntime(runtimeFileOf(runtimes, 8788), info(8788, 1002));

    // Act
    const act = () => chooseRuntimeFile({ directories: [runtimes, runtimes], alive });

    // Assess
    expect(act).toThrow(SeveralRuntimes);
    expect(act).toThrow(
      [
        '2 local runtimes are running; name one with --runtime-file (or SPILLWAY_RUNTIME_FILE):',
        `  ${runtimeFileOf(runtimes, 8787)}  http://127.0.0.1:8787 (pid 1001)`,
        `  ${runtimeFileOf(runtimes, 8788)}  http://127.0.0.1:8788 (pid 1002)`,
      ].join('\n'),
    );
  });

  it('finds none when no recorded runtime still runs, or nothing is recorded', () => {
    // Prepare
    const runtimes = directory();
    recordRuntime(runtimeFileOf(runtimes, 8787), info(8787, 4242));

    // Act
    const chosen = chooseRuntimeFile({ directories: [runtimes, join(runtimes, 'absent')], alive });

    // Assess
    expect(chosen).toBeUndefined();
  });
});
