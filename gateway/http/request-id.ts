import type { MiddlewareHandler } from 'hono';
import { acceptRequestId } from '../../runtime/request-context.ts';
import type { GatewayEnv } from '../env.ts';

export { acceptRequestId, REQUEST_ID_LENGTH_MAX_CHARS } from '../../runtime/request-context.ts';

/** Gives every request its id (the variable `requestId`) and echoes it as X-Request-Id. */
export function requestIds(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const id = acceptRequestId(c.req.header('x-request-id'));
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    await next();
  };
}
