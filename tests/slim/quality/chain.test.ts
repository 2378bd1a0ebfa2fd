import { describe, expect, it } from 'vitest';
import { CHECK_NAMES, QualityReport } from '../../../schemas/index.ts';
import { resolveQualitySettings, runQualityChain, signPushPayload } from '../../../slim/quality/index.ts';
import { readFileSync } from 'node:fs';
import { OPEN_METEO_CURRENT_INTERVAL_MS, OpenMeteoCurrentResponse, openMeteoUrl, toWeatherObservation } from '../../../oracles/index.ts';
import { contentHashOf } from '../../../slim/quality/index.ts';
import { NOW, contextFor, feedFor, iot, payloadOf, verifiedPush, weather } from './support.ts';

describe('quality chain', () => {
  it('accepts a complete, fresh, in-range weather observation', () => {
    const o = weather();
    const report = runQualityChain(o, contextFor(o));
    expect(report).toMatchObject({ category: 'weather', score: 1, decision: 'accepted', evaluatedAt: NOW.toISOString() });
  });

  it('reports nine checks in chain order, ending with the quality score', () => {
    const o = weather();
    const report = runQualityChain(o, contextFor(o));
    expect(report.checks.map((c) => c.check)).toEqual([...CHECK_NAMES, 'quality_score']);
    expect(report.checks[8]?.score).toBe(report.score);
  });

  it('produces a report that satisfies the shared QualityReport schema', () => {
    const o = weather();
    expect(QualityReport.safeParse(runQualityChain(o, contextFor(o))).success).toBe(true);
  });

  it('echoes the weights and thresholds it used', () => {
    const o = weather();
    const report = runQualityChain(o, contextFor(o, { quality: { weights: { range: 7 }, thresholds: { accept: 0.9, review: 0.7 } } }));
    expect(report.weights.range).toBe(7);
    expect(report.thresholds).toEqual({ accept: 0.9, review: 0.7 });
  });

  it('rejects an out-of-range value that every other check passes', () => {
    const o = weather({ value: 75 }, { temperatureC: 75 });
    const report = runQualityChain(o, contextFor(o));
    expect(report.decision).toBe('rejected');
    expect(report.checks.find((c) => c.check === 'range')?.reason).toContain('above maximum 60');
  });

  it('accepts a signed push reading', () => {
    const o = iot();
    expect(runQualityChain(o, contextFor(o, { push: verifiedPush(o) })).decision).toBe('accepted');
  });

  it('sends an unsigned push reading to review', () => {
    const o = iot();
    const report = runQualityChain(o, contextFor(o, { push: verifiedPush(o, { signature: undefined, nonceFirstSeen: null }) }));
    expect(report).toMatchObject({ score: 0.7, decision: 'review' });
  });

  it('rejects a forged push reading', () => {
    const o = iot();
    const forged = verifiedPush(o, { signature: signPushPayload('guessed-secret', payloadOf(o)) });
    expect(runQualityChain(o, contextFor(o, { push: forged })).decision).toBe('rejected');
  });

  it('rejects a replayed push reading', () => {
    const o = iot();
    const report = runQualityChain(o, contextFor(o, { push: verifiedPush(o, { nonceFirstSeen: false }) }));
    expect(report.decision).toBe('rejected');
    expect(report.checks.find((c) => c.check === 'source_verification')?.reason).toContain('replayed nonce');
  });

  it('rejects a reading that duplicates recent content', () => {
    const o = weather();
    const ctx = contextFor(o);
    const report = runQualityChain(o, { ...ctx, history: { ...ctx.history, seenContentHashes: new Set([ctx.contentHash]) } });
    expect(report.decision).toBe('rejected');
  });

  it('rejects an observation for an unknown feed', () => {
    const o = weather();
    expect(runQualityChain(o, contextFor(o, { feed: null })).decision).toBe('rejected');
  });

  it('accepts the newest Open-Meteo answer even late in its quarter hour', () => {
    const response = OpenMeteoCurrentResponse.parse(JSON.parse(readFileSync(new URL('../../fixtures/open-meteo/current-berlin.json', import.meta.url), 'utf8')));
    const params = { latitude: 52.52, longitude: 13.42, timezone: 'Europe/Berlin', metric: 'temperature_2m' as const, baseUrl: 'https://api.open-meteo.com' };
    const o = toWeatherObservation({ id: 'feed-weather-1', assetId: 'berlin-weather' }, params, response, NOW, openMeteoUrl(params));
    const settings = resolveQualitySettings('weather', {}, {}, 'temperature_2m', { sourceTimestampPrecisionMs: OPEN_METEO_CURRENT_INTERVAL_MS });
    const feed = { ...feedFor(o), source: { adapter: 'open-meteo' as const, params } };
    const ctx = { now: new Date('2025-01-15T13:59:30.000Z'), feed, history: { values: [3.1, 3.2, 3.3, 3.3, 3.4], sortedValues: [3.1, 3.2, 3.3, 3.3, 3.4], lastObservedAt: '2025-01-15T13:30:00.000Z', seenContentHashes: new Set<string>() }, peers: [], contentHash: contentHashOf(o), settings };
    const report = runQualityChain(o, ctx);
    expect(report.checks.filter((c) => c.score < 1)).toEqual([]);
    expect(report.decision).toBe('accepted');
  });

  describe('untrusted input', () => {
    it('scores an unreadable observation instead of throwing', () => {
      const o = iot();
      const report = runQualityChain({ ...o, value: 'hot' }, contextFor(o));
      expect(report.decision).toBe('rejected');
      expect(report.checks.find((c) => c.check === 'format')?.reason).toContain('value');
      for (const name of ['range', 'consistency', 'source_verification', 'freshness', 'uniqueness', 'referential_integrity']) {
        expect(report.checks.find((c) => c.check === name)).toMatchObject({ score: 0, reason: 'unreadable observation' });
      }
    });

    it('still says which fields an unreadable observation lacks', () => {
      const o = iot();
      const { data: _dropped, ...withoutData } = o;
      const report = runQualityChain(withoutData, contextFor(o));
      expect(report.checks[0]?.reason).toContain('data.deviceId');
    });

    it('files garbage of no readable category under the feed category', () => {
      const o = iot();
      for (const garbage of [null, 42, 'reading', [1, 2], {}]) {
        const report = runQualityChain(garbage, contextFor(o));
        expect(report).toMatchObject({ category: 'iot', score: 0, decision: 'rejected' });
        expect(QualityReport.safeParse(report).success).toBe(true);
      }
    });

    it('files garbage under the settings category when no feed is known', () => {
      const o = iot();
      const ctx = { ...contextFor(o, { feed: null }), settings: resolveQualitySettings('iot', {}, {}) };
      expect(runQualityChain(undefined, ctx).category).toBe('iot');
    });
  });
});
