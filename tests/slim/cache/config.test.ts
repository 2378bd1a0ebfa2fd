import { describe, expect, it } from 'vitest';
import { EnvConfig } from '../../../schemas/index.ts';

const base = { ROLE: 'slim', CLUSTER_SECRET: 'cache-config-test-secret-0123456' };

describe('SOURCE_CACHE_* configuration', () => {
  it('turns the cache on by default, with 10 000 entries in-process and a quarter of the SLA as TTL', () => {
    const config = EnvConfig.parse(base);
    expect(config.SOURCE_CACHE_ENABLED).toBe(true);
    expect(config.SOURCE_CACHE_L1_ENTRIES_MAX).toBe(10_000);
    expect(config.SOURCE_CACHE_TTL_SLA_PERCENT).toBe(25);
  });

  it('turns the cache off with false', () => {
    expect(EnvConfig.parse({ ...base, SOURCE_CACHE_ENABLED: 'false' }).SOURCE_CACHE_ENABLED).toBe(false);
  });

  it.each([
    ['SOURCE_CACHE_ENABLED', 'perhaps'],
    ['SOURCE_CACHE_L1_ENTRIES_MAX', '0'],
    ['SOURCE_CACHE_TTL_SLA_PERCENT', '101'],
  ])('stops the start on a bad %s, naming it', (variable, value) => {
    const parsed = EnvConfig.safeParse({ ...base, [variable]: value });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.some((i) => i.path[0] === variable)).toBe(true);
  });
});
