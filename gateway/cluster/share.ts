import { availableParallelism } from 'node:os';
import type { Config } from '../../runtime/config.ts';
import type { Rate } from '../../schemas/rate-limit.ts';

/** How many gateway processes serve the port: GATEWAY_WORKERS, with `auto` one per core. */
export function gatewayWorkerCount(config: Pick<Config, 'GATEWAY_WORKERS'>, cores: number = availableParallelism()): number {
  return config.GATEWAY_WORKERS === 'auto' ? Math.max(1, cores) : config.GATEWAY_WORKERS;
}

/** A process's part of a cap shared by `workers` processes: never more than the whole in total, never none. */
const part = (whole: number, workers: number): number => Math.max(1, Math.floor(whole / workers));

/**
 * One process's configuration when `workers` processes serve one gateway: what each enforces in
 * process is its share, so the gateway as a whole keeps the configured caps. Connections reach the
 * processes round-robin, so the shares fill evenly. Limits kept in Redis are already shared and stay
 * whole; event-stream and upstream-connection caps are always per process.
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
    SSE_STREAMS_PER_KEY_MAX: part(config.SSE_STREAMS_PER_KEY_MAX, workers),
    UPSTREAM_CONNECTIONS_MAX: part(config.UPSTREAM_CONNECTIONS_MAX, workers),
  };
}
