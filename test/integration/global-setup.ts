import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { MOTO_SERVER } from '../../src/local/emulator';

/**
 * Every AWS call the functions make during the suite, one JSON line each; `make permissions`
 * evaluates them against the roles the CDK app deploys (test/permissions/).
 */
export const AWS_CALL_LOG = resolve(import.meta.dirname, '../../test-output/aws-calls.jsonl');

declare module 'vitest' {
  export interface ProvidedContext {
    awsCallLog: string;
  }
}

/** The integration suite needs the pinned emulator that `make deps` installs. */
export default function setup(project: TestProject): void {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(
      `${MOTO_SERVER} is missing: run 'make integration' (it installs the emulator) instead of vitest directly`,
    );
  }
  // A fresh record per run: the check must judge the calls of the code as it is now.
  mkdirSync(dirname(AWS_CALL_LOG), { recursive: true });
  rmSync(AWS_CALL_LOG, { force: true });
  project.provide('awsCallLog', AWS_CALL_LOG);
}
