import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/config.ts';

const base = { CLUSTER_SECRET: 'test-cluster-secret-0123456789' };
const gateway = (env: Record<string, string>) => loadConfig({ ...base, ...env }, 'gateway');

describe('gateway security configuration', () => {
  it('allows no cross-origin callers and keeps no configured pepper by default', () => {
    const c = gateway({});
    expect(c.GATEWAY_CORS_ORIGINS).toEqual([]);
    expect(c.GATEWAY_KEY_PEPPER).toBeUndefined();
  });

  it('reads CORS origins as a comma-separated list, reduced to their origins', () => {
    const c = gateway({ GATEWAY_CORS_ORIGINS: 'https://dapp.example/app/, http://localhost:5173' });
    expect(c.GATEWAY_CORS_ORIGINS).toEqual(['https://dapp.example', 'http://localhost:5173']);
  });

  it('refuses a CORS origin that is not an http(s) URL', () => {
    expect(() => gateway({ GATEWAY_CORS_ORIGINS: 'dapp.example' })).toThrow(ConfigError);
  });

  it('refuses a key pepper shorter than 32 characters', () => {
    expect(() => gateway({ GATEWAY_KEY_PEPPER: 'x'.repeat(31) })).toThrow(ConfigError);
    expect(gateway({ GATEWAY_KEY_PEPPER: 'x'.repeat(32) }).GATEWAY_KEY_PEPPER).toBe('x'.repeat(32));
  });
});
