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
 * One limit's check of one request, whichever path serves it: appends the limit's decision to
 * `decisions` (what the RateLimit-* headers report) and throws 429 RATE_LIMITED when it refuses.
 */
export type RateGate<Subject> = (subject: Subject, decisions: RateDecision[]) => Promise<void>;

/** Every request under the API prefix, before authentication (so floods of bad keys count too). */
export function globalGate(limiter: RateLimiter, counters: RateLimitCounters): RateGate<void> {
  const rule = `the gateway takes at most ${limiter.rate.limit} requests per ${limiter.rate.windowMs / 1000} s`;
  return async (_subject, decisions) => admit('global', await limiter.limit(GLOBAL_IDENTIFIER), decisions, counters, rule);
}

/** Per key, after authentication: the tier of the key (by its id or role). Public routes (no key) pass. */
export function perKeyGate(limiterFor: (principal: KeyPrincipal) => RateLimiter | null, counters: RateLimitCounters): RateGate<KeyPrincipal | null> {
  // The refusal's wording per tier's limiter, written once rather than on every request.
  const rules = new Map<RateLimiter, string>();
  const ruleOf = (limiter: RateLimiter): string => {
    let rule = rules.get(limiter);
    if (rule === undefined) {
      rule = `this key may make ${limiter.rate.limit} requests per ${limiter.rate.windowMs / 1000} s`;
      rules.set(limiter, rule);
    }
    return rule;
  };
  return async (principal, decisions) => {
    const limiter = principal === null ? null : limiterFor(principal);
    if (principal === null || limiter === null) return;
    admit('tier', await limiter.limit(principal.id), decisions, counters, ruleOf(limiter));
  };
}

/** Per client address on /auth/*: unauthenticated attempts. */
function authAttemptGate(limiter: RateLimiter, counters: RateLimitCounters): RateGate<string> {
  const rule = `at most ${limiter.rate.limit} unauthenticated requests to /auth per ${limiter.rate.windowMs / 1000} s from one address`;
  return async (address, decisions) => admit('auth', await limiter.limit(address), decisions, counters, rule);
}

/**
 * Per client address on /auth/*, before authentication, so guessing keys is limited too: every
 * request takes a slot, and one that turns out to authenticate (any answer but 401) gives it back.
 * So the limit counts failed attempts, and an admin issuing keys is never held back by it.
 */
export function limitAuthAttempts(limiter: RateLimiter, clientAddress: ClientAddress, counters: RateLimitCounters): MiddlewareHandler<GatewayEnv> {
  const gate = authAttemptGate(limiter, counters);
  return async (c, next) => {
    if (!isAuthRoute(c.get('route').rule)) return next();
    const address = clientAddress(c) ?? 'unknown';
    await throughContext(c, gate, address);
    await next();
    reportHeaders(c);
    if (c.res.status !== 401) await limiter.limit(address, -1);
  };
}

/** A gate as middleware: its subject taken from the context, its decision kept there. */
export function gateMiddleware<Subject>(gate: RateGate<Subject>, subject: (c: Context<GatewayEnv>) => Subject): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    await throughContext(c, gate, subject(c));
    return next();
  };
}

/** Runs a gate on the context's decisions, which keep the new one (and the headers show it) even when it refuses. */
async function throughContext<Subject>(c: Context<GatewayEnv>, gate: RateGate<Subject>, subject: Subject): Promise<void> {
  const decisions = [...(c.get('rateLimits') ?? [])];
  try {
    await gate(subject, decisions);
  } finally {
    c.set('rateLimits', decisions);
    reportHeaders(c);
  }
}

/** Records the decision; a refusal is counted and thrown as 429 RATE_LIMITED with Retry-After. */
function admit(name: RateLimitName, decision: RateDecision, decisions: RateDecision[], counters: RateLimitCounters, rule: string): void {
  decisions.push(decision);
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
  const decision = decisionToReport(c.get('rateLimits') ?? []);
  if (decision === undefined) return;
  for (const [name, value] of Object.entries(rateLimitHeaders(decision, Date.now()))) c.header(name, value);
}
