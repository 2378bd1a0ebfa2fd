import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../env.ts';

/** Client-supplied request ids longer than this are replaced by a generated one. */
export const REQUEST_ID_LENGTH_MAX_CHARS = 128;

/** Letters, digits, `_`, `-` and `=`: an id that is safe to log, echo and forward as it is. */
const REQUEST_ID_PATTERN = /^[\w\-=]+$/;

/** The client's X-Request-Id when it is a usable one, else a fresh UUID. */
export function acceptRequestId(claimed: string | undefined): string {
  if (claimed === undefined || claimed.length === 0 || claimed.length > REQUEST_ID_LENGTH_MAX_CHARS || !REQUEST_ID_PATTERN.test(claimed)) {
    return crypto.randomUUID();
  }
  return claimed;
}

/** Gives every request its id (the variable `requestId`) and echoes it as X-Request-Id. */
export function requestIds(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const id = acceptRequestId(c.req.header('x-request-id'));
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    await next();
  };
}
