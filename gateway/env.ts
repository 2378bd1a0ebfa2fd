import type { RequestIdVariables } from 'hono/request-id';
import type { KeyPrincipal } from './auth/key-service.ts';
import type { RouteRule } from './routing/policy.ts';

/** What the gateway's middleware learns about a request, in order: its route, then its caller. */
export interface GatewayVariables extends RequestIdVariables {
  route: { rule: RouteRule; params: Record<string, string> };
  /** Null on public routes: they are served without looking at credentials. */
  principal: KeyPrincipal | null;
}

export type GatewayEnv = { Variables: GatewayVariables };
