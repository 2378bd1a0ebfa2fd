import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { currentRequestId } from './request-context.ts';

export type { Logger };

/**
 * JSON lines with the role, an ISO time and, inside a request's handling, its request id (see
 * request-context.ts), so one id finds a request's lines in every role's log.
 */
export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    name,
    level,
    base: { role: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const requestId = currentRequestId();
      return requestId === undefined ? {} : { requestId };
    },
  };
  // Standard output unless told otherwise (tests read the lines).
  return destination === undefined ? pino(options) : pino(options, destination);
}
