import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../runtime/errors.ts';
import type { GatewayEnv } from '../env.ts';
import type { RouteMatcher } from './match.ts';

/**
 * Resolves the route before anything else: an unknown path is 404 and a known path with the
 * wrong method is 405, both answered by the gateway before authentication, so probing for
 * routes reveals nothing beyond the published API and never reaches an upstream.
 */
export function resolveRoute(matcher: RouteMatcher): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const found = matcher.match(c.req.method, c.req.path);
    if (found.kind === 'not-found') {
      throw new AppError('ROUTE_NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`);
    }
    if (found.kind === 'method-not-allowed') {
      c.header('Allow', found.allowed.join(', '));
      throw new AppError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}; use ${found.allowed.join(' or ')}`, {
        details: { allowed: found.allowed },
      });
    }
    c.set('route', { rule: found.rule, params: found.params });
    await next();
  };
}
