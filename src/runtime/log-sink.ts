import type { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../usecases/ports';
import type { FunctionName } from './client-hooks';
import { powertoolsLog } from './log';

type LogFactory = (fn: FunctionName, json: Log) => Log;

let local: LogFactory | undefined;

/**
 * Lets the local runtime turn the functions' log into lines for a person (`make run`), set before
 * it loads them. Never set on Lambda, where the JSON lines go to CloudWatch Logs as they are.
 */
export function setLocalLog(factory: LogFactory | undefined): void {
  local = factory;
}

/** The function's Log port: Powertools' JSON lines, or what the local runtime makes of them. */
export function logFor(fn: FunctionName, logger: Logger): Log {
  const json = powertoolsLog(logger);
  return local ? local(fn, json) : json;
}
