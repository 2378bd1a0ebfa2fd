import { readFileSync } from 'node:fs';
import { getConnInfo } from '@hono/node-server/conninfo';
import { z } from 'zod';
import { openDatabase, type OpenDatabase } from '../db/client.ts';
import type { Config } from '../runtime/config.ts';
import { startServer, type RunningServer } from '../runtime/http.ts';
import type { Logger } from '../runtime/logger.ts';
import { nodeDataDir, nodeSchema, type RunningNode, type StartNode } from '../runtime/node.ts';
import { createGatewayApp } from './app.ts';
import { ApiKeyService } from './auth/key-service.ts';
import { DrizzleKeyStore } from './auth/key-store.ts';
import { httpProbe } from './health/probe.ts';
import { HealthProber } from './health/prober.ts';
import { RoundRobinBalancer } from './pools/balancer.ts';
import { StaticUpstreamRegistry, type UpstreamRegistry } from './pools/registry.ts';
import { UndiciTransport } from './proxy/undici-transport.ts';
import { ProxyStats } from './stats/counters.ts';

export { ApiKeyService } from './auth/key-service.ts';
export type { KeyPrincipal } from './auth/key-service.ts';
export { ROUTE_POLICY, API_PREFIX } from './routing/policy.ts';
export { buildOpenApiDocument } from './openapi/document.ts';

/** Open connections per upstream node; further requests queue in undici's pool. */
const UPSTREAM_CONNECTIONS_MAX = 128;
const UPSTREAM_CONNECT_TIMEOUT_MS = 2_000;
/** Below Node's default server keep-alive (5 s), so the gateway never reuses a socket the upstream is closing. */
const UPSTREAM_KEEP_ALIVE_MS = 4_000;

const PackageJson = z.object({ name: z.string(), version: z.string() });

/** A running gateway, with what the start script and tests need beyond RunningNode. */
export interface GatewayNode extends RunningNode {
  /** Issue and revoke keys programmatically (demo keys, tests). */
  readonly keys: ApiKeyService;
  readonly registry: UpstreamRegistry;
  /** Runs one probe round now (tests, and callers that cannot wait for the next interval). */
  probeNow(): Promise<void>;
}

/** Opens the key store, bootstraps the admin key, starts health probes and the HTTP server. */
export async function launchGateway(config: Config, logger: Logger): Promise<GatewayNode> {
  const pkg = PackageJson.parse(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')));
  const database = await openDatabase({ part: 'gateway', url: config.DATABASE_URL, dataDir: nodeDataDir(config), schema: nodeSchema(config) });
  const transport = new UndiciTransport({
    connectTimeoutMs: Math.min(UPSTREAM_CONNECT_TIMEOUT_MS, config.PROXY_TIMEOUT_MS),
    connectionsPerUpstreamMax: UPSTREAM_CONNECTIONS_MAX,
    keepAliveTimeoutMs: UPSTREAM_KEEP_ALIVE_MS,
  });
  let prober: HealthProber | undefined;
  let server: RunningServer | undefined;
  try {
    const keys = new ApiKeyService(new DrizzleKeyStore(database.db));
    await keys.bootstrapAdmin(config.ADMIN_API_KEY, logger);

    const registry = new StaticUpstreamRegistry(
      { validators: config.VALIDATOR_URLS, business: config.BUSINESS_URLS, slim: config.SLIM_URLS },
      new RoundRobinBalancer(),
    );
    const activeProber = new HealthProber(
      registry,
      httpProbe(transport, { clusterSecret: config.CLUSTER_SECRET, timeoutMs: config.HEALTH_PROBE_TIMEOUT_MS }),
      config.HEALTH_PROBE_INTERVAL_MS,
      logger,
    );
    prober = activeProber;
    const startedAt = new Date();
    let selfUrl = `http://${config.HOST}:${config.PORT}`;
    const app = createGatewayApp({
      name: pkg.name,
      version: pkg.version,
      chainId: config.CHAIN_ID,
      clusterSecret: config.CLUSTER_SECRET,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      proxyTimeoutMs: config.PROXY_TIMEOUT_MS,
      probeIntervalMs: config.HEALTH_PROBE_INTERVAL_MS,
      startedAt,
      selfUrl: () => selfUrl,
      keys,
      registry,
      prober: activeProber,
      transport,
      stats: new ProxyStats(startedAt),
      clientAddress: (c) => getConnInfo(c).remote.address,
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
      close: () => (closing ??= shutdown(activeProber, running, transport, database)),
    };
  } catch (error) {
    await shutdown(prober, server, transport, database).catch(() => {});
    throw error;
  }
}

export const startGateway: StartNode = launchGateway;

/** Stops in dependency order: no new probes, no new requests, then the connections, then storage. */
async function shutdown(prober: HealthProber | undefined, server: RunningServer | undefined, transport: UndiciTransport, database: OpenDatabase): Promise<void> {
  prober?.stop();
  await server?.close();
  await transport.close();
  await database.close();
}
