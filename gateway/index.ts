import { readFileSync } from 'node:fs';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { openDatabase, type OpenDatabase } from '../db/client.ts';
import type { AnnouncementDirectory } from '../runtime/announce/directory.ts';
import { openGatewayDirectory } from '../runtime/announce/open.ts';
import type { Config } from '../runtime/config.ts';
import type { RunningServer } from '../runtime/http.ts';
import type { Logger } from '../runtime/logger.ts';
import { processMetrics } from '../runtime/metrics.ts';
import { nodeDataDir, nodeSchema, type RunningNode } from '../runtime/node.ts';
import { createGatewayApp, forwardDepsOf, type GatewayAppDeps } from './app.ts';
import { clusterMetricsOfWorker } from './cluster/worker-metrics.ts';
import { ApiKeyService } from './auth/key-service.ts';
import { DrizzleKeyStore, storedKeyPepper } from './auth/key-store.ts';
import { PRINCIPAL_CACHE_ENTRIES_MAX, PrincipalCache } from './auth/principal-cache.ts';
import type { GatewayEnv } from './env.ts';
import { httpProbe } from './health/probe.ts';
import { HealthProber } from './health/prober.ts';
import { securityHeaderFields } from './http/security-headers.ts';
import { listen } from './http/server.ts';
import { originatingAddress, trustedProxyCheck } from './http/trusted-proxies.ts';
import { announcementRoutes, isAnnouncementPath } from './pools/announce-routes.ts';
import { SmoothWeightedBalancer } from './pools/balancer.ts';
import { OutlierEjector } from './pools/ejector.ts';
import { MembershipSync } from './pools/membership-sync.ts';
import { createGatewayMetrics } from './metrics/registry.ts';
import { PoolRegistry, type UpstreamRegistry } from './pools/registry.ts';
import { UpstreamBreakers } from './proxy/breakers.ts';
import type { ProxyTransports } from './proxy/forward.ts';
import { gatewayListener } from './proxy/node-listener.ts';
import { RetryBudget } from './proxy/retry-budget.ts';
import { UndiciTransport } from './proxy/undici-transport.ts';
import { createGatewayRateLimits, type GatewayRateLimits } from './rate-limit/index.ts';
import { createRouteMatcher } from './routing/match.ts';
import { ProxyStats } from './stats/counters.ts';
import { StreamSlots } from './streams/slots.ts';

export { ApiKeyService } from './auth/key-service.ts';
export type { KeyPrincipal } from './auth/key-service.ts';
export { ROUTE_POLICY, API_PREFIX } from './routing/policy.ts';
export { buildOpenApiDocument } from './openapi/document.ts';

const UPSTREAM_CONNECT_TIMEOUT_MS = 2_000;
/** One probe per upstream is in flight at a time (rounds do not overlap); one spare for a socket being torn down. */
const PROBE_CONNECTIONS_PER_UPSTREAM_MAX = 2;
/** A refused stream waits for another to end, which takes a while: no point retrying at once. */
const STREAM_RETRY_AFTER_S = 5;
/** The rolling window an upstream breaker judges failure rates over. */
const BREAKER_WINDOW_MS = 10_000;
/** Below Node's default server keep-alive (5 s), so the gateway never reuses a socket the upstream is closing. */
export const UPSTREAM_KEEP_ALIVE_MS = 4_000;

/** A generated pepper: 32 random bytes, hex. */
const KEY_PEPPER_BYTES = 32;
const generateKeyPepper = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(KEY_PEPPER_BYTES))).toString('hex');

const PackageJson = z.object({ name: z.string(), version: z.string() });

/** A running gateway, with what the start script and tests need beyond RunningNode. */
export interface GatewayNode extends RunningNode {
  /** Issue and revoke keys programmatically (demo keys, tests). */
  readonly keys: ApiKeyService;
  readonly registry: UpstreamRegistry;
  /** Runs one probe round now (tests, and callers that cannot wait for the next interval). */
  probeNow(): Promise<void>;
}

/** Opens the key store (and its pepper), bootstraps the admin key, starts health probes and the HTTP server. */
/** How this process runs: alone (the default), or as one worker of several sharing the port. */
export interface LaunchOptions {
  /** How many processes serve this gateway (GATEWAY_WORKERS); past 1 this one is a worker, whose /metrics serves every worker's series, merged by the primary. */
  processes?: number;
}

export async function launchGateway(config: Config, logger: Logger, options: LaunchOptions = {}): Promise<GatewayNode> {
  const pkg = PackageJson.parse(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')));
  const database = await openDatabase({ part: 'gateway', url: config.DATABASE_URL, dataDir: nodeDataDir(config), schema: nodeSchema(config) });
  const transports = createTransports(config);
  let prober: HealthProber | undefined;
  let server: RunningServer | undefined;
  let rateLimits: GatewayRateLimits | undefined;
  let breakers: UpstreamBreakers | undefined;
  let directory: AnnouncementDirectory | undefined;
  let membership: MembershipSync | undefined;
  let clusterMetrics: { stop: () => void } | undefined;
  try {
    const pepper = config.GATEWAY_KEY_PEPPER ?? (await storedKeyPepper(database.db, generateKeyPepper));
    const keyCache = config.GATEWAY_KEY_CACHE_TTL_MS > 0 ? new PrincipalCache({ ttlMs: config.GATEWAY_KEY_CACHE_TTL_MS, entriesMax: PRINCIPAL_CACHE_ENTRIES_MAX }) : null;
    const keys = new ApiKeyService(new DrizzleKeyStore(database.db), pepper, undefined, keyCache);
    await keys.bootstrapAdmin(config.ADMIN_API_KEY, logger);

    const registry = new PoolRegistry(
      { validators: config.VALIDATOR_URLS, business: config.BUSINESS_URLS, slim: config.SLIM_URLS },
      new SmoothWeightedBalancer(),
    );
    const startedAt = new Date();
    const activeDirectory = await openGatewayDirectory(config, logger);
    directory = activeDirectory;
    const stats = new ProxyStats(startedAt, () => activeMembership.status());
    const ejector = new OutlierEjector(
      registry,
      {
        consecutiveFailuresMax: config.GATEWAY_EJECT_FAILURES,
        baseEjectionMs: config.GATEWAY_EJECT_BASE_MS,
        ejectionMsMax: config.GATEWAY_EJECT_MAX_MS,
        ejectedPercentMax: config.GATEWAY_EJECT_PERCENT_MAX,
      },
      (upstream) => stats.ejected(upstream),
      logger,
    );
    const activeBreakers = new UpstreamBreakers(
      {
        resetMs: config.GATEWAY_BREAKER_RESET_MS,
        volumeMin: config.GATEWAY_BREAKER_VOLUME_MIN,
        errorPercentMax: config.GATEWAY_BREAKER_ERROR_PERCENT,
        windowMs: BREAKER_WINDOW_MS,
      },
      ejector,
      logger,
    );
    breakers = activeBreakers;
    const activeProber = new HealthProber(
      registry,
      httpProbe(transports.probes, { clusterSecret: config.CLUSTER_SECRET, timeoutMs: config.HEALTH_PROBE_TIMEOUT_MS }),
      config.HEALTH_PROBE_INTERVAL_MS,
      logger,
    );
    prober = activeProber;
    const activeMembership = new MembershipSync(
      activeDirectory,
      registry,
      config.DIRECTORY_POLL_MS,
      { joined: (upstream) => void activeProber.probeOne(upstream), left: (upstream) => activeBreakers.forget(upstream) },
      logger,
    );
    membership = activeMembership;
    const isTrustedProxy = trustedProxyCheck(config.GATEWAY_TRUSTED_PROXIES);
    const peerAddress = (c: Context<GatewayEnv>) => getConnInfo(c).remote.address;
    const clientAddress = (c: Context<GatewayEnv>) => originatingAddress(peerAddress(c), c.req.header('x-forwarded-for'), isTrustedProxy);
    const limits = await createGatewayRateLimits(
      {
        globalPerS: config.GATEWAY_RATE_GLOBAL_PER_S,
        authPerMin: config.GATEWAY_RATE_AUTH_PER_MIN,
        tiers: config.GATEWAY_RATE_TIERS,
        keyTiers: config.GATEWAY_RATE_KEY_TIERS,
        redisUrl: config.REDIS_URL,
        processes: options.processes ?? 1,
        keyPrefix: config.GATEWAY_RATE_KEY_PREFIX,
      },
      clientAddress,
      logger,
    );
    rateLimits = limits;
    const metrics = createGatewayMetrics({ registry, rateLimits: limits.counters });
    const ownMetrics = (options.processes ?? 1) > 1 ? clusterMetricsOfWorker(async () => [...(await metrics.snapshot()), ...(await processMetrics().getMetricsAsJSON())]) : undefined;
    clusterMetrics = ownMetrics;
    let selfUrl = `http://${config.HOST}:${config.PORT}`;
    const appDeps: GatewayAppDeps = {
      name: pkg.name,
      version: pkg.version,
      chainId: config.CHAIN_ID,
      clusterSecret: config.CLUSTER_SECRET,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      corsOrigins: config.GATEWAY_CORS_ORIGINS,
      proxyTimeoutMs: config.PROXY_TIMEOUT_MS,
      probeIntervalMs: config.HEALTH_PROBE_INTERVAL_MS,
      startedAt,
      selfUrl: () => selfUrl,
      keys,
      registry,
      prober: activeProber,
      transports,
      streamSlots: new StreamSlots(config.SSE_STREAMS_MAX, config.SSE_STREAMS_PER_KEY_MAX),
      streamRetryAfterS: STREAM_RETRY_AFTER_S,
      stats,
      breakers: activeBreakers,
      breakerResetMs: config.GATEWAY_BREAKER_RESET_MS,
      retryBudget: new RetryBudget(),
      peerAddress,
      clientAddress,
      isTrustedProxy,
      beforeAuthentication: limits.beforeAuthentication,
      admission: limits.admission,
      rateLimitCounters: limits.counters,
      logger,
      metrics,
      metricsText: ownMetrics?.text,
    };
    const app = createGatewayApp(appDeps);
    await activeMembership.start();
    activeProber.start();
    // Embedded, nodes announce to the gateway itself: its cluster-only route is served ahead of the public app.
    const served = activeDirectory.kind === 'embedded' ? withAnnouncementRoutes(app, announcementRoutes(activeDirectory, config.CLUSTER_SECRET, logger)) : app;
    const listener = gatewayListener(
      {
        ...forwardDepsOf(appDeps),
        matcher: createRouteMatcher(),
        keys,
        gates: limits.gates,
        clusterSecret: config.CLUSTER_SECRET,
        isTrustedProxy,
        securityHeaders: securityHeaderFields(),
        corsEnabled: config.GATEWAY_CORS_ORIGINS.length > 0,
        logger,
        metrics,
      },
      // The app as a Node listener (the Node adapter's bindings give it the socket, for client addresses).
      getRequestListener(served.fetch, { hostname: config.HOST }),
    );
    const running = await listen(listener, config.HOST, config.PORT);
    server = running;
    selfUrl = running.url;
    logger.info(
      { url: running.url, validators: config.VALIDATOR_URLS, business: config.BUSINESS_URLS, slim: config.SLIM_URLS, directory: activeDirectory.kind },
      'gateway started',
    );

    let closing: Promise<void> | undefined;
    return {
      role: 'gateway',
      url: running.url,
      port: running.port,
      keys,
      registry,
      probeNow: () => activeProber.probeAll(),
      close: () => (closing ??= shutdown({ prober: activeProber, membership: activeMembership, breakers: activeBreakers, server: running, transports, rateLimits: limits, directory: activeDirectory, database, clusterMetrics })),
    };
  } catch (error) {
    await shutdown({ prober, membership, breakers, server, transports, rateLimits, directory, database, clusterMetrics }).catch(() => {});
    throw error;
  }
}

interface Running {
  prober: HealthProber | undefined;
  membership: MembershipSync | undefined;
  breakers: UpstreamBreakers | undefined;
  server: RunningServer | undefined;
  transports: GatewayTransports;
  rateLimits: GatewayRateLimits | undefined;
  directory: AnnouncementDirectory | undefined;
  database: OpenDatabase;
  clusterMetrics: { stop: () => void } | undefined;
}

/** Stops in dependency order: no new probes or membership reads, no new requests, then the connections (upstreams, Redis, directory), then storage. */
async function shutdown(r: Running): Promise<void> {
  r.prober?.stop();
  r.clusterMetrics?.stop();
  await r.membership?.stop();
  await r.server?.close();
  r.breakers?.shutdown();
  await Promise.all([r.transports.requests.close(), r.transports.streams.close(), r.transports.probes.close(), r.rateLimits?.close(), r.directory?.close()]);
  await r.database.close();
}

/** The announcement routes ahead of the public app: neither sees the other's requests. */
function withAnnouncementRoutes(app: Hono<GatewayEnv>, routes: ReturnType<typeof announcementRoutes>): Hono<GatewayEnv> {
  const outer = new Hono<GatewayEnv>();
  // The Node adapter's bindings (the socket, for client addresses) pass through unchanged.
  outer.all('*', (c) => (isAnnouncementPath(c.req.path) ? routes.fetch(c.req.raw, c.env) : app.fetch(c.req.raw, c.env)));
  return outer;
}

interface GatewayTransports extends ProxyTransports {
  probes: UndiciTransport;
}

/**
 * Three sets of connections per upstream, so no kind of traffic can starve another: ordinary
 * requests; event streams, each holding a connection for its life (sized to the stream cap, so
 * an admitted stream never waits for a connection); and health probes, so a busy upstream is
 * not marked down because its probe queued behind traffic.
 */
function createTransports(config: Config): GatewayTransports {
  const connectTimeoutMs = Math.min(UPSTREAM_CONNECT_TIMEOUT_MS, config.PROXY_TIMEOUT_MS);
  const lane = (connectionsPerUpstreamMax: number) =>
    new UndiciTransport({ connectTimeoutMs, connectionsPerUpstreamMax, keepAliveTimeoutMs: UPSTREAM_KEEP_ALIVE_MS });
  return {
    requests: lane(config.UPSTREAM_CONNECTIONS_MAX),
    streams: lane(config.SSE_STREAMS_MAX),
    probes: new UndiciTransport({
      connectTimeoutMs: Math.min(UPSTREAM_CONNECT_TIMEOUT_MS, config.HEALTH_PROBE_TIMEOUT_MS),
      connectionsPerUpstreamMax: PROBE_CONNECTIONS_PER_UPSTREAM_MAX,
      keepAliveTimeoutMs: UPSTREAM_KEEP_ALIVE_MS,
    }),
  };
}
