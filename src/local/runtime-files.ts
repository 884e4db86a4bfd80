import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { runs } from './processes';

/**
 * Where `make run` records each runtime it starts, one file per port: two runtimes on different
 * ports must neither overwrite each other's address and token nor delete each other's on exit.
 */
export const RUNTIMES_DIRECTORY = '.local/runtimes';

export const runtimeFileOf = (directory: string, port: number): string => resolve(directory, `${port}.json`);

/** What a runtime's file says about it, as far as choosing between runtimes needs. */
export interface LiveRuntime {
  readonly file: string;
  readonly url: string;
  readonly pid: number;
}

/** Raised when more than one runtime runs and nothing says which one is meant. */
export class SeveralRuntimes extends Error {
  override readonly name = 'SeveralRuntimes';
}

const isRuntimeProcess = (pid: number) => runs(pid, 'node');

/**
 * Writes `info` (readable by its owner only: it holds the webhook token) and returns how to
 * remove it again. The removal leaves a file that another runtime has written since alone, so a
 * runtime that exits never takes a running one's file with it.
 */
export function recordRuntime<Info extends { readonly pid: number }>(file: string, info: Info): () => void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(info, null, 2), { mode: 0o600 });
  return () => {
    if (readRecord(file)?.pid === info.pid) rmSync(file, { force: true });
  };
}

function readRecord(file: string): LiveRuntime | undefined {
  try {
    const { url, pid } = JSON.parse(readFileSync(file, 'utf8')) as Partial<LiveRuntime>;
    return typeof url === 'string' && Number.isInteger(pid) ? { file, url, pid: pid as number } : undefined;
  } catch {
    // Gone, or half-written by a runtime that is starting: not a runtime to talk to yet.
    return undefined;
  }
}

/** The runtimes recorded in `directory` whose process still runs, by port. */
export function liveRuntimes(directory: string, alive = isRuntimeProcess): LiveRuntime[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => /^\d+\.json$/.test(name))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
    .map((name) => readRecord(join(directory, name)))
    .filter((record): record is LiveRuntime => record !== undefined && alive(record.pid));
}

/** Removes the files of runtimes that were killed before they could remove their own. */
export function forgetEndedRuntimes(directory: string, alive = isRuntimeProcess): void {
  if (!existsSync(directory)) return;
  for (const name of readdirSync(directory).filter((n) => /^\d+\.json$/.test(n))) {
    const record = readRecord(join(directory, name));
    if (record && !alive(record.pid)) rmSync(record.file, { force: true });
  }
}

/**
 * The runtime file to read: the one given, else the one live runtime recorded in `directories`;
 * undefined when none runs. Several live ones are not guessed between: the caller is asked.
 */
export function chooseRuntimeFile(options: {
  readonly given?: string | undefined;
  readonly directories: readonly string[];
  readonly alive?: (pid: number) => boolean;
}): string | undefined {
  if (options.given) return resolve(options.given);
  const live = [...new Set(options.directories.map((d) => resolve(d)))].flatMap((directory) =>
    liveRuntimes(directory, options.alive),
  );
  if (live.length > 1)
    throw new SeveralRuntimes(
      [
        `${live.length} local runtimes are running; name one with --runtime-file (or SPILLWAY_RUNTIME_FILE):`,
        ...live.map((runtime) => `  ${runtime.file}  ${runtime.url} (pid ${runtime.pid})`),
      ].join('\n'),
    );
  return live[0]?.file;
}
