import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { installErrorHandling } from '../runtime/http.ts';
import type { Logger } from '../runtime/logger.ts';
import type { ApiKeyService } from './auth/key-service.ts';
import { authenticate } from './auth/middleware.ts';
import { issueKeyHandler, revokeKeyHandler } from './auth/routes.ts';
import { docsAssetHandler, docsPageHandler, isDocsPath } from './docs/routes.ts';
import type { GatewayEnv } from './env.ts';
import type { HealthProber } from './health/prober.ts';
import { gatewayReadiness, healthHandler } from './health/routes.ts';
import { probeRoutes } from '../runtime/probes/readiness.ts';
import { accessLog } from './http/access-log.ts';
import { limitRequestBody } from './http/body-limit.ts';
import { corsForOrigins } from './http/cors.ts';
import { requestIds } from './http/request-id.ts';
import { DOCS_CONTENT_SECURITY_POLICY, REVIEW_CONTENT_SECURITY_POLICY, securityHeaderFields, securityHeaders } from './http/security-headers.ts';
import type { TrustedProxyCheck } from './http/trusted-proxies.ts';
import { infoHandler } from './info/route.ts';
import { metricsRoute, metricsTextRoute } from '../runtime/metrics.ts';
import type { GatewayMetrics } from './metrics/registry.ts';
import { openApiHandler } from './openapi/route.ts';
import { isReviewPath, REVIEW_PAGE_PATH, reviewPageHandler } from './review/routes.ts';
import type { UpstreamRegistry } from './pools/registry.ts';
import type { UpstreamBreakers } from './proxy/breakers.ts';
import type { ForwardDeps, ProxyTransports } from './proxy/forward.ts';
import { proxyHandler } from './proxy/handler.ts';
import type { RetryBudget } from './proxy/retry-budget.ts';
import type { RateLimitCounters } from './rate-limit/stats.ts';
import { createRouteMatcher } from './routing/match.ts';
import { resolveRoute } from './routing/middleware.ts';
import { API_PREFIX } from './routing/policy.ts';
import type { ProxyStats } from './stats/counters.ts';
import { statsHandler } from './stats/route.ts';
import { limitStreams } from './streams/middleware.ts';
import type { StreamSlots } from './streams/slots.ts';

export { REQUEST_ID_LENGTH_MAX_CHARS } from './http/request-id.ts';

export interface GatewayAppDeps {
  name: string;
  version: string;
  chainId: string;
  clusterSecret: string;
  bodyLimitBytes: number;
  /** Browser origins (dApps) allowed cross-origin; empty: no CORS headers. */
  corsOrigins: readonly string[];
  proxyTimeoutMs: number;
  probeIntervalMs: number;
  startedAt: Date;
  selfUrl: () => string;
  keys: ApiKeyService;
  registry: UpstreamRegistry;
  prober: HealthProber;
  transports: ProxyTransports;
  /** Open server-sent event streams, in total and per key. */
  streamSlots: StreamSlots;
  /** Told to a client refused a stream slot. */
  streamRetryAfterS: number;
  stats: ProxyStats;
  /** One circuit breaker per upstream node. */
  breakers: UpstreamBreakers;
  breakerResetMs: number;
  /** Caps retries to another node at a share of the load. */
  retryBudget: RetryBudget;
  /** The direct peer's address, as the runtime sees it (the Node adapter reads the socket). */
  peerAddress: (c: Context<GatewayEnv>) => string | undefined;
  /** Where the request came from, seen through trusted proxies (see originatingAddress): what per-client limits count. */
  clientAddress: (c: Context<GatewayEnv>) => string | undefined;
  /** Whether a peer is a proxy in front of the gateway whose X-Forwarded-* headers are believed (GATEWAY_TRUSTED_PROXIES). */
  isTrustedProxy: TrustedProxyCheck;
  logger: Logger;
  /** Requests, latencies, rate-limit rejections and upstream breakers, served at GET /metrics. */
  metrics?: GatewayMetrics;
  /** The whole /metrics text, when it is not this process's alone (a worker of several serves all their series, merged). */
  metricsText?: () => Promise<string>;
  /**
   * Runs after route resolution and before authentication: limits that must hold whether or not
   * a key is valid (the global rate, and /auth/* per client address, so guessing keys is limited).
   */
  beforeAuthentication?: readonly MiddlewareHandler<GatewayEnv>[];
  /** Rate limiting's counters, reported in /stats. */
  rateLimitCounters: RateLimitCounters;
  /**
   * Admission control for routed, authenticated requests, in order, before any body is read:
   * where rate limits and circuit breakers plug in (they see the route and the principal).
   */
  admission?: readonly MiddlewareHandler<GatewayEnv>[];
}

/**
 * The gateway as a web-standard app. Order matters: request id and security headers wrap
 * everything (errors included); CORS answers preflights; then route (404/405), then the limits that come before
 * authentication (429), then auth (401/403), then admission (the per-key limit),
 * then stream slots (streaming routes only), then the body limit, and only then a handler
 * reads the body or the proxy forwards it.
 */
export function createGatewayApp(deps: GatewayAppDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  installErrorHandling(app, deps.logger);

  app.use('*', requestIds());
  app.use('*', accessLog(deps.logger, deps.metrics));
  const apiHeaders = securityHeaders(securityHeaderFields());
  const docsHeaders = securityHeaders(securityHeaderFields(DOCS_CONTENT_SECURITY_POLICY));
  const reviewHeaders = securityHeaders(securityHeaderFields(REVIEW_CONTENT_SECURITY_POLICY));
  // Only the docs and reviewer pages are documents a browser renders; they alone may load scripts and styles.
  app.use('*', (c, next) => (isDocsPath(c.req.path) ? docsHeaders(c, next) : isReviewPath(c.req.path) ? reviewHeaders(c, next) : apiHeaders(c, next)));
  // Before routing: a preflight is OPTIONS, which no route has, and it carries no key.
  app.use('*', corsForOrigins(deps.corsOrigins));
  probeRoutes(app, gatewayReadiness(deps.registry));

  const metrics = deps.metrics;
  if (deps.metricsText !== undefined) metricsTextRoute(app, deps.metricsText);
  else if (metrics !== undefined) metricsRoute(app, () => metrics.render());

  // The reviewer page (static files from web/review); its API calls go through /api/v11 like any client's.
  const reviewPage = reviewPageHandler();
  app.get(REVIEW_PAGE_PATH, reviewPage);
  app.get(`${REVIEW_PAGE_PATH}/:file`, reviewPage);

  const api = (path: string) => `${API_PREFIX}${path}`;
  app.use(
    api('/*'),
    resolveRoute(createRouteMatcher()),
    ...(deps.beforeAuthentication ?? []),
    authenticate(deps.keys),
    ...(deps.admission ?? []),
    limitStreams(deps.streamSlots, { retryAfterS: deps.streamRetryAfterS, clientAddress: deps.clientAddress }),
    limitRequestBody(deps.bodyLimitBytes),
  );

  app.get(api('/health'), healthHandler(deps));
  app.get(api('/info'), infoHandler(deps));
  app.get(api('/stats'), statsHandler(deps.stats, deps.registry, deps.rateLimitCounters));
  app.get(api('/openapi.json'), openApiHandler({ title: deps.name, version: deps.version }));
  app.get(api('/docs'), docsPageHandler);
  app.get(api('/docs/assets/:file'), docsAssetHandler());
  app.post(api('/auth/keys'), issueKeyHandler(deps.keys));
  app.delete(api('/auth/keys/:id'), revokeKeyHandler(deps.keys));

  // Everything else the policy table admits goes upstream.
  app.all(
    api('/*'),
    proxyHandler({
      ...forwardDepsOf(deps),
      clusterSecret: deps.clusterSecret,
      peerAddress: deps.peerAddress,
      isTrustedProxy: deps.isTrustedProxy,
    }),
  );
  return app;
}

/** What the proxy procedure needs, from the app's dependencies: one place, for the app and the Node fast path. */
export function forwardDepsOf(deps: GatewayAppDeps): ForwardDeps {
  return {
    registry: deps.registry,
    transports: deps.transports,
    stats: deps.stats,
    breakers: deps.breakers,
    retryBudget: deps.retryBudget,
    breakerRetryAfterS: Math.max(1, Math.ceil(deps.breakerResetMs / 1000)),
    headersTimeoutMs: deps.proxyTimeoutMs,
    bodyIdleTimeoutMs: deps.proxyTimeoutMs,
    unavailableRetryAfterS: Math.max(1, Math.ceil(deps.probeIntervalMs / 1000)),
  };
}
