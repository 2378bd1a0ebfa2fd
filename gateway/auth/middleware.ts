import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../runtime/errors.ts';
import type { GatewayEnv } from '../env.ts';
import type { RouteRule } from '../routing/policy.ts';
import { parseBearer } from './api-key.ts';
import { assertRoleAllowed } from './authorize.ts';
import type { ApiKeyService, KeyPrincipal } from './key-service.ts';

/**
 * The caller of a route from its Authorization header: null on public routes (credentials are not
 * looked at), else the key's principal if its role may call the route; 401/403 otherwise.
 */
export async function identifyCaller(keys: ApiKeyService, rule: RouteRule, authorization: string | undefined): Promise<KeyPrincipal | null> {
  if (rule.access === 'public') return null;
  const token = parseBearer(authorization);
  if (token === undefined) throw new AppError('UNAUTHENTICATED', 'send an API key as Authorization: Bearer <key>');
  if (token === null) throw new AppError('UNAUTHENTICATED', 'the Authorization header is not of the form "Bearer <key>"');
  const principal = await keys.authenticate(token);
  if (principal === null) throw new AppError('UNAUTHENTICATED', 'unknown or revoked API key');
  assertRoleAllowed(rule, principal);
  return principal;
}

/**
 * Establishes the caller of a protected route from its bearer key and checks its role.
 * Runs after route resolution (it needs the rule) and before the body is read or proxied.
 */
export function authenticate(keys: ApiKeyService): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    // c.get, not c.var: hono builds a fresh object of every variable on each c.var read.
    c.set('principal', await identifyCaller(keys, c.get('route').rule, c.req.header('authorization')));
    await next();
  };
}
