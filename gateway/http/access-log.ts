import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../runtime/logger.ts';
import type { GatewayEnv } from '../env.ts';

/**
 * One info line per request once its answer is ready (for a stream: once its headers are), with
 * the request id the client and the upstream also saw, so one id finds a request in all three.
 * Goes after the request-id middleware; errors arrive here already turned into answers.
 */
export function accessLog(logger: Logger): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    // Checked per request, not once: the level may change at run time, and a disabled log costs nothing here.
    if (!logger.isLevelEnabled('info')) return next();
    const startedMs = performance.now();
    await next();
    logger.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        keyId: c.get('principal')?.id,
        durationMs: Math.round((performance.now() - startedMs) * 10) / 10,
      },
      'request',
    );
  };
}
