import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../runtime/config.ts';
import { gatewayWorkerCount, workerShareOf } from '../../../gateway/cluster/share.ts';

const BASE = { ROLE: 'gateway', CLUSTER_SECRET: 'test-cluster-secret-0123456789', DATABASE_URL: 'postgres://127.0.0.1:5432/test' };

describe('gateway worker processes', () => {
  it('counts one process per core for auto', () => {
    expect(gatewayWorkerCount({ GATEWAY_WORKERS: 'auto' }, 4)).toBe(4);
  });

  it('refuses more than one process without DATABASE_URL, naming the variable', () => {
    expect(() => loadConfig({ ROLE: 'gateway', CLUSTER_SECRET: BASE.CLUSTER_SECRET, GATEWAY_WORKERS: '2' })).toThrow(/GATEWAY_WORKERS: more than one gateway process needs DATABASE_URL/);
  });

  it('gives each process its share of the in-process rate limits, at least one', () => {
    const config = loadConfig({ ...BASE, GATEWAY_WORKERS: '3', GATEWAY_RATE_GLOBAL_PER_S: '1000', GATEWAY_RATE_AUTH_PER_MIN: '5', GATEWAY_RATE_TIERS: '{"partner":"100/s"}' });
    const share = workerShareOf(config, 3);
    expect(share.GATEWAY_RATE_GLOBAL_PER_S).toBe(333);
    expect(share.GATEWAY_RATE_AUTH_PER_MIN).toBe(1);
    expect(share.GATEWAY_RATE_TIERS.partner).toEqual({ ...config.GATEWAY_RATE_TIERS.partner, limit: 33 });
  });

  it('keeps rate limits whole when Redis shares them between processes', () => {
    const config = loadConfig({ ...BASE, GATEWAY_WORKERS: '2', REDIS_URL: 'redis://127.0.0.1:6379', GATEWAY_RATE_GLOBAL_PER_S: '1000' });
    const share = workerShareOf(config, 2);
    expect(share.GATEWAY_RATE_GLOBAL_PER_S).toBe(1000);
    expect(share.GATEWAY_RATE_TIERS).toEqual(config.GATEWAY_RATE_TIERS);
  });

  it('divides the total stream and upstream connection caps, which are per process even with Redis', () => {
    const config = loadConfig({ ...BASE, GATEWAY_WORKERS: '2', REDIS_URL: 'redis://127.0.0.1:6379', SSE_STREAMS_MAX: '256', UPSTREAM_CONNECTIONS_MAX: '128' });
    const share = workerShareOf(config, 2);
    expect([share.SSE_STREAMS_MAX, share.UPSTREAM_CONNECTIONS_MAX]).toEqual([128, 64]);
  });

  it('keeps the per-key stream cap whole in each process, since a key’s streams may all reach one', () => {
    const config = loadConfig({ ...BASE, GATEWAY_WORKERS: '2', SSE_STREAMS_PER_KEY_MAX: '8' });
    expect(workerShareOf(config, 2).SSE_STREAMS_PER_KEY_MAX).toBe(8);
  });

  it('leaves a single process’s configuration as it is', () => {
    const config = loadConfig({ ...BASE, GATEWAY_RATE_GLOBAL_PER_S: '7' });
    expect(workerShareOf(config, 1)).toBe(config);
  });
});
