import type { RequestIdVariables } from 'hono/request-id';
import type { KeyPrincipal } from './auth/key-service.ts';
import type { RateDecision } from './rate-limit/limiter.ts';
import type { RouteRule } from './routing/policy.ts';

/** What the gateway's middleware learns about a request, in order: its route, then its caller. */
export interface GatewayVariables extends RequestIdVariables {
  route: { rule: RouteRule; params: Record<string, string> };
  /** Null on public routes: they are served without looking at credentials. */
  principal: KeyPrincipal | null;
  /** What each rate limit that applied said, in order: the RateLimit-* headers report one of them. */
  rateLimits?: readonly RateDecision[];
}

export type GatewayEnv = { Variables: GatewayVariables };
