import type { Role } from '../../schemas/index.ts';
import type { Rate } from '../../schemas/rate-limit.ts';
import type { RouteRule } from '../routing/policy.ts';
import type { RateDecision } from './limiter.ts';

/** Routes under the per-address limit on attempts that do not authenticate: `/auth` and below. */
export const isAuthRoute = (rule: RouteRule): boolean => rule.pattern === '/auth' || rule.pattern.startsWith('/auth/');

/** The identifier all requests share under the global limit. */
export const GLOBAL_IDENTIFIER = 'all';

/**
 * A key's tier: assigned to the key itself, else to its role, else the tier named after its role.
 * Null: no tier applies (only the global limit does).
 */
export function tierOf(
  principal: { id: string; role: Role },
  tiers: Readonly<Record<string, Rate>>,
  assignments: Readonly<Record<string, string>>,
): string | null {
  const tier = assignments[principal.id] ?? assignments[principal.role] ?? principal.role;
  return tier in tiers ? tier : null;
}

/**
 * The decision the RateLimit-* headers describe when several limits applied: the one that refused,
 * else the one with the fewest requests left (the first to bite), as the IETF draft advises.
 */
export function decisionToReport(decisions: readonly RateDecision[]): RateDecision | undefined {
  let chosen: RateDecision | undefined;
  for (const d of decisions) {
    if (chosen === undefined) chosen = d;
    else if (!d.allowed && chosen.allowed) chosen = d;
    else if (d.allowed === chosen.allowed && d.remaining < chosen.remaining) chosen = d;
  }
  return chosen;
}

/** Whole seconds until `resetAtMs`, rounded up: a client waiting that long finds the window moved. */
export const secondsUntil = (resetAtMs: number, nowMs: number): number => Math.max(0, Math.ceil((resetAtMs - nowMs) / 1000));

/** `RateLimit-Limit`, `-Remaining` and `-Reset` (seconds from now) of draft-ietf-httpapi-ratelimit-headers. */
export function rateLimitHeaders(decision: RateDecision, nowMs: number): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(secondsUntil(decision.resetAtMs, nowMs)),
  };
}

/** A process's part of a cap shared by `workers` processes: never none, so a cap below the process count is exceeded (each process admits 1). */
export const part = (whole: number, workers: number): number => Math.max(1, Math.floor(whole / workers));
