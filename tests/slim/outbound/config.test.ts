import { describe, expect, it } from 'vitest';
import { EnvConfig, SOURCE_RATE_LIMITS_DEFAULT } from '../../../schemas/index.ts';

const base = { ROLE: 'slim', CLUSTER_SECRET: 'outbound-config-test-secret-0123' };

describe('SOURCE_RATE_LIMITS', () => {
  it('defaults to the platform figures per category', () => {
    const config = EnvConfig.parse(base);
    expect(config.SOURCE_RATE_LIMITS).toEqual({ market: 200, real_estate: 100, carbon: 50, iot: 150, weather: 75 });
    expect(config.SOURCE_RATE_LIMITS).toEqual(SOURCE_RATE_LIMITS_DEFAULT);
  });

  it('overrides only the categories it names', () => {
    const config = EnvConfig.parse({ ...base, SOURCE_RATE_LIMITS: '{"weather":20,"market":500}' });
    expect(config.SOURCE_RATE_LIMITS).toMatchObject({ weather: 20, market: 500, carbon: 50 });
  });

  it.each([
    ['a misspelt category', '{"wether":20}'],
    ['a rate that is not a positive integer', '{"weather":0}'],
    ['text that is not JSON', 'weather=20'],
  ])('stops the start on %s, naming the variable', (_, value) => {
    const parsed = EnvConfig.safeParse({ ...base, SOURCE_RATE_LIMITS: value });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.some((i) => i.path[0] === 'SOURCE_RATE_LIMITS')).toBe(true);
  });
});
