import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** How long a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_S = 600;

/** Response headers a dApp's script needs to read: its rate limit, when to retry, and the id to quote in a report. */
export const CORS_EXPOSED_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-Id'];

/**
 * Cross-origin access for the configured dApp origins. With none configured nothing is added, and
 * an OPTIONS request goes on to routing like any other (405). A request without an Origin header
 * is not a cross-origin one, so it passes untouched; a foreign origin gets no Allow-Origin, which
 * the browser enforces. Preflights are answered here, before routing and authentication, since a
 * browser never sends credentials with them.
 */
export function corsForOrigins(origins: readonly string[]): MiddlewareHandler {
  if (origins.length === 0) return async (_c, next) => next();
  const handle = cors({
    origin: [...origins],
    allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: CORS_EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_S,
  });
  return async (c, next) => {
    if (c.req.header('origin') === undefined) return next();
    return handle(c, next);
  };
}
