import type { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../usecases/ports';

type Fields = Record<string, unknown>;

/** Adapts Powertools' Logger to the narrow Log port the use cases take. */
export function powertoolsLog(logger: Logger): Log {
  return {
    info: (message: string, fields?: Fields) =>
      fields ? logger.info(message, fields) : logger.info(message),
    warn: (message: string, fields?: Fields) =>
      fields ? logger.warn(message, fields) : logger.warn(message),
    error: (message: string, fields?: Fields) =>
      fields ? logger.error(message, fields) : logger.error(message),
  };
}
