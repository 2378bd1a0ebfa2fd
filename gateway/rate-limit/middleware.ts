import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../../runtime/errors.ts';
import type { RateLimitName } from '../../schemas/rate-limit.ts';
import type { KeyPrincipal } from '../auth/key-service.ts';
import type { GatewayEnv } from '../env.ts';
import type { RateDecision, RateLimiter } from './limiter.ts';
import { decisionToReport, GLOBAL_IDENTIFIER, isAuthRoute, rateLimitHeaders, secondsUntil } from './policy.ts';
import type { RateLimitCounters } from './stats.ts';

export type ClientAddress = (c: Context<GatewayEnv>) => string | undefined;

/**
 * Per client address on /auth/*, before authentication, so guessing keys is limited too: every
 * request takes a slot, and one that turns out to authenticate (any answer but 401) gives it back.
 * So the limit counts failed attempts, and an admin issuing keys is never held back by it.
 */
export function limitAuthAttempts(limiter: RateLimiter, clientAddress: ClientAddress, counters: RateLimitCounters): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    if (!isAuthRoute(c.var.route.rule)) return next();
    const address = clientAddress(c) ?? 'unknown';
    const decision = await limiter.limit(address);
    admit(c, 'auth', decision, counters, `at most ${limiter.rate.limit} unauthenticated requests to /auth per ${limiter.rate.windowMs / 1000} s from one address`);
    await next();
    reportHeaders(c);
    if (c.res.status !== 401) await limiter.limit(address, -1);
  };
}

/** Every request under the API prefix, before authentication (so floods of bad keys count too). */
export function limitGlobally(limiter: RateLimiter, counters: RateLimitCounters): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const decision = await limiter.limit(GLOBAL_IDENTIFIER);
    admit(c, 'global', decision, counters, `the gateway takes at most ${limiter.rate.limit} requests per ${limiter.rate.windowMs / 1000} s`);
    return next();
  };
}

/** Per key, after authentication: the tier of the key (by its id or role). Public routes pass. */
export function limitPerKey(limiterFor: (principal: KeyPrincipal) => RateLimiter | null, counters: RateLimitCounters): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const principal = c.var.principal;
    const limiter = principal === null ? null : limiterFor(principal);
    if (principal === null || limiter === null) return next();
    const decision = await limiter.limit(principal.id);
    admit(c, 'tier', decision, counters, `this key may make ${limiter.rate.limit} requests per ${limiter.rate.windowMs / 1000} s`);
    return next();
  };
}

/** Records the decision and sets the headers; a refusal is 429 RATE_LIMITED with Retry-After. */
function admit(c: Context<GatewayEnv>, name: RateLimitName, decision: RateDecision, counters: RateLimitCounters, rule: string): void {
  c.set('rateLimits', [...(c.var.rateLimits ?? []), decision]);
  reportHeaders(c);
  if (decision.allowed) return;
  counters.limited[name] += 1;
  const retryAfterS = Math.max(1, secondsUntil(decision.resetAtMs, Date.now()));
  throw new AppError('RATE_LIMITED', `rate limit reached: ${rule}; retry in ${retryAfterS} s`, {
    retryAfterS,
    details: { limit: name, limitPerWindow: decision.limit, resetInS: retryAfterS },
  });
}

/**
 * (Re)sets the RateLimit-* headers from every decision so far. Set before `next()`, they reach
 * every answer built through the context: proxied, gateway-served and errors alike. Setting them
 * after `next()` would make Hono rebuild the finished response, which costs more than the proxying.
 */
function reportHeaders(c: Context<GatewayEnv>): void {
  const decision = decisionToReport(c.var.rateLimits ?? []);
  if (decision === undefined) return;
  for (const [name, value] of Object.entries(rateLimitHeaders(decision, Date.now()))) c.header(name, value);
}
