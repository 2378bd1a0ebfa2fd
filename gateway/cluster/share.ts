import { availableParallelism } from 'node:os';
import type { Config } from '../../runtime/config.ts';
import type { Rate } from '../../schemas/rate-limit.ts';
import { part } from '../rate-limit/policy.ts';

/** How many gateway processes serve the port: GATEWAY_WORKERS, with `auto` one per core. */
export function gatewayWorkerCount(config: Pick<Config, 'GATEWAY_WORKERS'>, cores: number = availableParallelism()): number {
  return config.GATEWAY_WORKERS === 'auto' ? Math.max(1, cores) : config.GATEWAY_WORKERS;
}

/**
 * One process's configuration when `workers` processes serve one gateway: what each enforces in
 * process is its share, so the gateway as a whole keeps about the configured caps. Connections
 * reach the processes round-robin, so shares fill evenly over many connections; a client holding
 * one keep-alive connection meets one process's share of its per-key or per-address limit (Redis
 * makes those exact). Limits kept in Redis are already shared and stay whole. The total stream and
 * upstream-connection caps are always split; the per-key stream cap stays whole in each process, as
 * a key's streams may all land on one.
 */
export function workerShareOf(config: Config, workers: number): Config {
  if (workers <= 1) return config;
  const shared = config.REDIS_URL !== undefined;
  const rate = (r: Rate): Rate => (shared ? r : { ...r, limit: part(r.limit, workers) });
  return {
    ...config,
    GATEWAY_RATE_GLOBAL_PER_S: shared ? config.GATEWAY_RATE_GLOBAL_PER_S : part(config.GATEWAY_RATE_GLOBAL_PER_S, workers),
    GATEWAY_RATE_AUTH_PER_MIN: shared ? config.GATEWAY_RATE_AUTH_PER_MIN : part(config.GATEWAY_RATE_AUTH_PER_MIN, workers),
    GATEWAY_RATE_TIERS: Object.fromEntries(Object.entries(config.GATEWAY_RATE_TIERS).map(([name, r]) => [name, rate(r)])),
    SSE_STREAMS_MAX: part(config.SSE_STREAMS_MAX, workers),
    UPSTREAM_CONNECTIONS_MAX: part(config.UPSTREAM_CONNECTIONS_MAX, workers),
  };
}
