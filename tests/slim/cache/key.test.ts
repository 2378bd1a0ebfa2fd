import { describe, expect, it } from 'vitest';
import { FeedSource } from '../../../schemas/index.ts';
import { sourceCacheKey } from '../../../slim/cache/index.ts';

const rentcast = (over: Record<string, unknown> = {}) =>
  FeedSource.parse({ adapter: 'rentcast-avm', params: { address: '5500 Grand Lake Dr, San Antonio, TX 78244', compCount: 10, ...over } });

describe('source cache key', () => {
  it('is the same for the same params in any key order, defaults applied', () => {
    const a = FeedSource.parse({ adapter: 'open-meteo', params: { latitude: 52.52, longitude: 13.405 } });
    const b = FeedSource.parse({ adapter: 'open-meteo', params: { metric: 'temperature_2m', longitude: 13.405, timezone: 'UTC', latitude: 52.52 } });
    expect(sourceCacheKey(a)).toBe(sourceCacheKey(b));
  });

  it('differs for any param that changes the answer, the metric included', () => {
    const base = sourceCacheKey(rentcast());
    expect(sourceCacheKey(rentcast({ compCount: 11 }))).not.toBe(base);
    expect(sourceCacheKey(rentcast({ baseUrl: 'https://mirror.example.com' }))).not.toBe(base);
    const trade = FeedSource.parse({ adapter: 'alpaca-stocks', params: { symbol: 'AAPL' } });
    const bar = FeedSource.parse({ adapter: 'alpaca-stocks', params: { symbol: 'AAPL', metric: 'bar_close' } });
    expect(sourceCacheKey(trade)).not.toBe(sourceCacheKey(bar));
  });

  it('names the adapter and hides the params behind a bounded hash', () => {
    const key = sourceCacheKey(rentcast());
    expect(key).toMatch(/^v1:rentcast-avm:[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('Grand Lake');
  });
});
