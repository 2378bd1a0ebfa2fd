import { readFileSync } from 'node:fs';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { z } from 'zod';
import { openDatabase, type OpenDatabase } from '../db/client.ts';
import type { Config } from '../runtime/config.ts';
import { startServer, type RunningServer } from '../runtime/http.ts';
import type { Logger } from '../runtime/logger.ts';
import { nodeDataDir, nodeSchema, type RunningNode, type StartNode } from '../runtime/node.ts';
import { createGatewayApp } from './app.ts';
import { ApiKeyService } from './auth/key-service.ts';
import { DrizzleKeyStore, storedKeyPepper } from './auth/key-store.ts';
import { PRINCIPAL_CACHE_ENTRIES_MAX, PrincipalCache } from './auth/principal-cache.ts';
import type { GatewayEnv } from './env.ts';
import { httpProbe } from './health/probe.ts';
import { HealthProber } from './health/prober.ts';
import { RoundRobinBalancer } from './pools/balancer.ts';
import { StaticUpstreamRegistry, type UpstreamRegistry } from './pools/registry.ts';
import { UpstreamBreakers } from './proxy/breakers.ts';
import type { ProxyTransports } from './proxy/handler.ts';
import { RetryBudget } from './proxy/retry-budget.ts';
import { UndiciTransport } from './proxy/undici-transport.ts';
import { createGatewayRateLimits, type GatewayRateLimits } from './rate-limit/index.ts';
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
export async function launchGateway(config: Config, logger: Logger): Promise<GatewayNode> {
  const pkg = PackageJson.parse(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')));
  const database = await openDatabase({ part: 'gateway', url: config.DATABASE_URL, dataDir: nodeDataDir(config), schema: nodeSchema(config) });
  const transports = createTransports(config);
  let prober: HealthProber | undefined;
  let server: RunningServer | undefined;
  let rateLimits: GatewayRateLimits | undefined;
  let breakers: UpstreamBreakers | undefined;
  try {
    const pepper = config.GATEWAY_KEY_PEPPER ?? (await storedKeyPepper(database.db, generateKeyPepper));
    const keyCache = config.GATEWAY_KEY_CACHE_TTL_MS > 0 ? new PrincipalCache({ ttlMs: config.GATEWAY_KEY_CACHE_TTL_MS, entriesMax: PRINCIPAL_CACHE_ENTRIES_MAX }) : null;
    const keys = new ApiKeyService(new DrizzleKeyStore(database.db), pepper, undefined, keyCache);
    await keys.bootstrapAdmin(config.ADMIN_API_KEY, logger);

    const registry = new StaticUpstreamRegistry(
      { validators: config.VALIDATOR_URLS, business: config.BUSINESS_URLS, slim: config.SLIM_URLS },
      new RoundRobinBalancer(),
    );
    const activeBreakers = new UpstreamBreakers(
      registry.all(),
      {
        resetMs: config.GATEWAY_BREAKER_RESET_MS,
        volumeMin: config.GATEWAY_BREAKER_VOLUME_MIN,
        errorPercentMax: config.GATEWAY_BREAKER_ERROR_PERCENT,
        windowMs: BREAKER_WINDOW_MS,
      },
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
    const clientAddress = (c: Context<GatewayEnv>) => getConnInfo(c).remote.address;
    const limits = await createGatewayRateLimits(
      {
        globalPerS: config.GATEWAY_RATE_GLOBAL_PER_S,
        authPerMin: config.GATEWAY_RATE_AUTH_PER_MIN,
        tiers: config.GATEWAY_RATE_TIERS,
        keyTiers: config.GATEWAY_RATE_KEY_TIERS,
        redisUrl: config.REDIS_URL,
        keyPrefix: config.GATEWAY_RATE_KEY_PREFIX,
      },
      clientAddress,
      logger,
    );
    rateLimits = limits;
    const startedAt = new Date();
    let selfUrl = `http://${config.HOST}:${config.PORT}`;
    const app = createGatewayApp({
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
      stats: new ProxyStats(startedAt),
      breakers: activeBreakers,
      breakerResetMs: config.GATEWAY_BREAKER_RESET_MS,
      retryBudget: new RetryBudget(),
      clientAddress,
      trustedProxies: config.GATEWAY_TRUSTED_PROXIES,
      beforeAuthentication: limits.beforeAuthentication,
      admission: limits.admission,
      rateLimitCounters: limits.counters,
      logger,
    });
    activeProber.start();
    // startServer only calls app.fetch; the typed variables of the gateway's env do not matter to it.
    const running = await startServer(app, config.HOST, config.PORT);
    server = running;
    selfUrl = running.url;
    logger.info({ url: running.url, validators: config.VALIDATOR_URLS, business: config.BUSINESS_URLS, slim: config.SLIM_URLS }, 'gateway started');

    let closing: Promise<void> | undefined;
    return {
      role: 'gateway',
      url: running.url,
      port: running.port,
      keys,
      registry,
      probeNow: () => activeProber.probeAll(),
      close: () => (closing ??= shutdown(activeProber, activeBreakers, running, transports, limits, database)),
    };
  } catch (error) {
    await shutdown(prober, breakers, server, transports, rateLimits, database).catch(() => {});
    throw error;
  }
}

export const startGateway: StartNode = launchGateway;

/** Stops in dependency order: no new probes, no new requests, then the connections (upstreams, Redis), then storage. */
async function shutdown(
  prober: HealthProber | undefined,
  breakers: UpstreamBreakers | undefined,
  server: RunningServer | undefined,
  transports: GatewayTransports,
  rateLimits: GatewayRateLimits | undefined,
  database: OpenDatabase,
): Promise<void> {
  prober?.stop();
  await server?.close();
  breakers?.shutdown();
  await Promise.all([transports.requests.close(), transports.streams.close(), transports.probes.close(), rateLimits?.close()]);
  await database.close();
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
