import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../runtime/errors.ts';
import type { GatewayEnv } from '../env.ts';
import { parseBearer } from './api-key.ts';
import { assertRoleAllowed } from './authorize.ts';
import type { ApiKeyService } from './key-service.ts';

/**
 * Establishes the caller of a protected route from its bearer key and checks its role.
 * Runs after route resolution (it needs the rule) and before the body is read or proxied.
 */
export function authenticate(keys: ApiKeyService): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    // c.get, not c.var: hono builds a fresh object of every variable on each c.var read.
    const { rule } = c.get('route');
    if (rule.access === 'public') {
      c.set('principal', null);
      return next();
    }
    const token = parseBearer(c.req.header('authorization'));
    if (token === undefined) throw new AppError('UNAUTHENTICATED', 'send an API key as Authorization: Bearer <key>');
    if (token === null) throw new AppError('UNAUTHENTICATED', 'the Authorization header is not of the form "Bearer <key>"');
    const principal = await keys.authenticate(token);
    if (principal === null) throw new AppError('UNAUTHENTICATED', 'unknown or revoked API key');
    assertRoleAllowed(rule, principal);
    c.set('principal', principal);
    await next();
  };
}
