import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../runtime/config.ts';

const base = { CLUSTER_SECRET: 'test-cluster-secret-0123456789' };
const gateway = (env: Record<string, string>) => loadConfig({ ...base, ...env }, 'gateway');

describe('rate-limit configuration', () => {
  it('defaults to 1000 req/s global, 5 failed /auth attempts per minute, and a tier per role', () => {
    const c = gateway({});
    expect(c.GATEWAY_RATE_GLOBAL_PER_S).toBe(1_000);
    expect(c.GATEWAY_RATE_AUTH_PER_MIN).toBe(5);
    expect(c.GATEWAY_RATE_TIERS.dapp).toEqual({ limit: 600, windowMs: 60_000 });
    expect(Object.keys(c.GATEWAY_RATE_TIERS).sort()).toEqual(['admin', 'dapp', 'operator', 'provider', 'reviewer']);
  });

  it('merges configured tiers over the defaults and assigns them to roles or keys', () => {
    const key = 'key_0123456789abcdef0123456789abcdef';
    const c = gateway({ GATEWAY_RATE_TIERS: '{"dapp":"20/s","partner":"100/s"}', GATEWAY_RATE_KEY_TIERS: `{"provider":"partner","${key}":"partner"}` });
    expect(c.GATEWAY_RATE_TIERS.dapp).toEqual({ limit: 20, windowMs: 1_000 });
    expect(c.GATEWAY_RATE_TIERS.partner).toEqual({ limit: 100, windowMs: 1_000 });
    expect(c.GATEWAY_RATE_KEY_TIERS).toEqual({ provider: 'partner', [key]: 'partner' });
  });

  it('stops the start, naming the variable, for a tier nobody defined, a holder that is neither role nor key, or a bad rate', () => {
    expect(() => gateway({ GATEWAY_RATE_KEY_TIERS: '{"dapp":"gold"}' })).toThrow(/GATEWAY_RATE_KEY_TIERS\.dapp: tier "gold"/);
    expect(() => gateway({ GATEWAY_RATE_KEY_TIERS: '{"king":"dapp"}' })).toThrow(/GATEWAY_RATE_KEY_TIERS\.king/);
    expect(() => gateway({ GATEWAY_RATE_TIERS: '{"dapp":"fast"}' })).toThrow(ConfigError);
    expect(() => gateway({ GATEWAY_RATE_TIERS: '{"dapp":"fast"}' })).toThrow(/GATEWAY_RATE_TIERS/);
  });
});
