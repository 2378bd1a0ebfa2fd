import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { openDatabase } from '../../db/client.ts';
import type { NodeAnnouncement, UpstreamPool } from '../../schemas/index.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { connectFailFastRedis, redisReadyOrTimeout } from '../redis.ts';
import { Announcer } from './announcer.ts';
import type { AnnouncementDirectory } from './directory.ts';
import { HttpDirectory } from './http-directory.ts';
import { InProcessDirectory } from './memory-directory.ts';
import { PostgresDirectory } from './postgres-directory.ts';
import { RedisDirectory } from './redis-directory.ts';

/** One directory call (a heartbeat, a read, a withdrawal) may take this long. */
export const DIRECTORY_CALL_TIMEOUT_MS = 2_000;
/** The shared table needs few connections: one heartbeat or one read at a time per process. */
const DIRECTORY_DB_CONNECTIONS_MAX = 2;

/** The pool each announcing role serves; the gateway announces nothing. */
const POOL_OF_ROLE: Partial<Record<Config['ROLE'], UpstreamPool>> = { validator: 'validators', business: 'business', slim: 'slim' };

/** Announcements of one network: configured, or derived from what all its nodes share (chain id and cluster secret). */
export function directoryNamespace(config: Config): string {
  if (config.DIRECTORY_NAMESPACE !== undefined) return config.DIRECTORY_NAMESPACE;
  // A digest, so the secret itself never appears in a key or a row.
  return `net-${createHash('sha256').update(`${config.CHAIN_ID}\n${config.CLUSTER_SECRET}`).digest('hex').slice(0, 16)}`;
}

/** The shared backends, chosen as every role chooses them: Redis first, then Postgres; null when neither is configured. */
async function openSharedDirectory(config: Config, logger: Logger): Promise<AnnouncementDirectory | null> {
  const namespace = directoryNamespace(config);
  if (config.REDIS_URL !== undefined) {
    const redis = connectFailFastRedis(config.REDIS_URL, { commandTimeoutMs: DIRECTORY_CALL_TIMEOUT_MS, purpose: 'node announcements', logger });
    // A fail-fast connection refuses commands until it is up: without this wait the first heartbeat (or read) is lost.
    await redisReadyOrTimeout(redis, DIRECTORY_CALL_TIMEOUT_MS);
    return new RedisDirectory(redis, namespace);
  }
  if (config.DATABASE_URL !== undefined) {
    const database = await openDatabase({ part: 'cluster', url: config.DATABASE_URL, dataDir: '', schema: config.DIRECTORY_DB_SCHEMA, maxConnections: DIRECTORY_DB_CONNECTIONS_MAX });
    return new PostgresDirectory(database.db, namespace, () => database.close());
  }
  return null;
}

/** Listening on every interface (0.0.0.0, ::) says nothing about where to call: the machine's name does (a container's, in compose). */
export function advertisedUrl(listeningUrl: string): string {
  const url = new URL(listeningUrl);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = hostname();
  return url.origin;
}

/** The gateway's directory: shared when Redis or Postgres is configured, else in process (nodes announce over HTTP). */
export async function openGatewayDirectory(config: Config, logger: Logger): Promise<AnnouncementDirectory> {
  return (await openSharedDirectory(config, logger)) ?? new InProcessDirectory();
}

/**
 * Starts announcing a validator or slim node listening at `listeningUrl`, through the same backend
 * its gateways read; null (and a log line) when there is nowhere to announce.
 */
export async function startAnnouncer(config: Config, listeningUrl: string, logger: Logger): Promise<Announcer | null> {
  const pool = POOL_OF_ROLE[config.ROLE];
  if (pool === undefined) return null;
  const directory =
    (await openSharedDirectory(config, logger)) ??
    (config.GATEWAY_URLS.length > 0 ? new HttpDirectory(config.GATEWAY_URLS, config.CLUSTER_SECRET, DIRECTORY_CALL_TIMEOUT_MS) : null);
  if (directory === null) {
    logger.info('not announcing: no REDIS_URL, DATABASE_URL or GATEWAY_URLS; gateways must list this node in their configuration');
    return null;
  }
  const url = (config.ANNOUNCE_URL ?? advertisedUrl(listeningUrl)).replace(/\/+$/, '');
  const announcement: NodeAnnouncement = {
    nodeId: `${config.ROLE}@${new URL(url).host}`,
    pool,
    url,
    weight: config.ANNOUNCE_WEIGHT,
    ttlMs: config.ANNOUNCE_TTL_MS,
  };
  const announcer = new Announcer(directory, announcement, { intervalMs: config.ANNOUNCE_INTERVAL_MS, callTimeoutMs: DIRECTORY_CALL_TIMEOUT_MS }, logger);
  announcer.start();
  return announcer;
}
