import { fileURLToPath } from 'node:url';

/** The repository root: functions are bundled from here whatever the working directory is. */
export const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where `<environment>.yaml` lives. */
export const configDirectory = fileURLToPath(new URL('../config/', import.meta.url));

/** Entry module of a Lambda function: `functions/<name>/handler.ts`, which exports `handler`. */
export const functionEntry = (name: string): string =>
  fileURLToPath(new URL(`../functions/${name}/handler.ts`, import.meta.url));
