import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../runtime/logger.ts';
import type { GatewayEnv } from '../env.ts';
import type { GatewayMetrics } from '../metrics/registry.ts';

/** One request as the access log records it. */
export interface AccessRecord {
  requestId: string;
  method: string;
  path: string;
  status: number;
  keyId: string | undefined;
  startedMs: number;
}

/**
 * The access log's line, whichever path served the request: with the request id the client and
 * the upstream also saw, so one id finds a request in all three.
 */
export function logRequest(logger: Logger, r: AccessRecord): void {
  const durationMs = Math.round((performance.now() - r.startedMs) * 10) / 10;
  logger.info({ requestId: r.requestId, method: r.method, path: r.path, status: r.status, keyId: r.keyId, durationMs }, 'request');
}

/**
 * One info line per request once its answer is ready (for a stream: once its headers are), and
 * the request in the metrics.
 * Goes after the request-id middleware; errors arrive here already turned into answers.
 */
export function accessLog(logger: Logger, metrics?: GatewayMetrics): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const startedMs = performance.now();
    await next();
    metrics?.observeRequest(c.get('route')?.rule ?? null, c.req.path, c.req.method, c.res.status, startedMs);
    // Checked per request, not once: the level may change at run time.
    if (!logger.isLevelEnabled('info')) return;
    logRequest(logger, { requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, keyId: c.get('principal')?.id, startedMs });
  };
}
