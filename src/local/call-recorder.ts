import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type FunctionName, type HookableClient, setClientHook } from '../runtime/client-hooks';
import { callTargets, type IamRequest } from './call-targets';

/** One line of the call log: one IAM request a function's call made. */
export interface RecordedCall extends IamRequest {
  readonly fn: FunctionName;
  /** The environment whose resources were called (`local` in the tests); names resources. */
  readonly environment: string;
  /** SDK client and operation, as the code called them. */
  readonly client: string;
  readonly operation: string;
  readonly region: string;
  /** Set when call-targets.ts cannot tell what the call needs: the check fails on it. */
  readonly unmodelled?: string;
}

/** The account moto puts in every ARN. */
export const EMULATOR_ACCOUNT = '123456789012';

interface Sink {
  readonly file: string;
  readonly environment: string;
  /** Each distinct request once per process: the reconciler repeats the same calls every second. */
  readonly seen: Set<string>;
}

let sink: Sink | undefined;

function write(entry: RecordedCall): void {
  if (!sink) return;
  const line = JSON.stringify(entry);
  if (sink.seen.has(line)) return;
  sink.seen.add(line);
  appendFileSync(sink.file, `${line}\n`);
}

const MIDDLEWARE = 'spillwayCallRecorder';

function instrument(fn: FunctionName, client: HookableClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      let output: Record<string, unknown> | undefined;
      try {
        const result = await next(args);
        output = result.output as Record<string, unknown>;
        return result;
      } finally {
        // Recorded whether the call succeeded or not: either way it needed the permission.
        const current = sink;
        if (current) {
          const call = {
            client: context.clientName ?? '?',
            operation: (context.commandName ?? '?').replace(/Command$/, ''),
            region: await client.config.region(),
            account: EMULATOR_ACCOUNT,
            input: args.input as Record<string, unknown>,
            ...(output ? { output } : {}),
          };
          const base = {
            fn,
            environment: current.environment,
            client: call.client,
            operation: call.operation,
            region: call.region,
          };
          const targets = callTargets(call);
          if (targets.modelled) for (const request of targets.requests) write({ ...base, ...request });
          else write({ ...base, action: `?:${call.operation}`, resource: '*', unmodelled: targets.reason });
        }
      }
    },
    { step: 'initialize', name: MIDDLEWARE, override: true },
  );
}

/**
 * Appends every AWS call the functions make from now on to `file` (JSON lines), for the
 * permission check that evaluates them against the deployed roles (test/permissions/). The hook
 * sees clients as the functions' wiring creates them, so it must be set before the handlers load.
 */
export function recordAwsCalls(file: string, environment: string): () => void {
  mkdirSync(dirname(file), { recursive: true });
  sink = { file, environment, seen: new Set() };
  setClientHook(instrument);
  return () => {
    sink = undefined;
  };
}
