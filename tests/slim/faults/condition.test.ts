import { describe, expect, it } from 'vitest';
import { feedCondition, type ConditionInput } from '../../../slim/feeds/condition.ts';

const NOW_MS = Date.parse('2026-03-02T15:00:00.000Z');
const ago = (ms: number): string => new Date(NOW_MS - ms).toISOString();
const OPEN_METEO_PRECISION_MS = 900_000;

/** A running weather feed polled every minute, registered an hour ago, with a fresh observation and nothing failing. */
const feed = (over: Partial<ConditionInput> = {}): ConditionInput => ({
  category: 'weather',
  status: 'active',
  scheduleState: 'running',
  schedule: { intervalMs: 60_000 },
  createdAt: ago(3_600_000),
  lastObservation: { observedAt: ago(30_000), receivedAt: ago(29_000) },
  stats: { lastError: null },
  ...over,
});
const at = (sourcePrecisionMs = OPEN_METEO_PRECISION_MS) => ({ nowMs: NOW_MS, sourcePrecisionMs });
const breaker = (state: 'closed' | 'open' | 'half_open', lastFailureAt: string | null = ago(2_000)) => ({
  breaker: state,
  lastFailure: 'Open-Meteo answered HTTP 500: database unavailable',
  lastFailureAt,
  openedAt: state === 'closed' ? null : ago(5_000),
});

describe('the condition of a feed', () => {
  it('is healthy with a fresh observation and nothing failing', () => {
    expect(feedCondition(feed(), at())).toEqual({
      state: 'healthy',
      reason: 'last observation 30 s old, within 17 min (weather SLA 60 s + source precision 15 min + period 60 s)',
    });
  });

  it('is paused when its provider paused it, whatever else holds', () => {
    expect(feedCondition(feed({ status: 'paused', upstream: breaker('open') }), at()).state).toBe('paused');
  });

  it('is healthy outside the market session, where a market feed is not fetched', () => {
    const closed = feed({ category: 'market', scheduleState: 'market_closed', lastObservation: { observedAt: ago(50_000_000), receivedAt: ago(50_000_000) } });
    expect(feedCondition(closed, at(0))).toMatchObject({ state: 'healthy', reason: expect.stringContaining('outside the US equity session') });
  });

  it('is degraded while its source breaker is open, naming the last failure, when its value is still fresh', () => {
    expect(feedCondition(feed({ upstream: breaker('open') }), at())).toEqual({
      state: 'degraded',
      reason: `source breaker open since ${ago(5_000)} after repeated failures, last: Open-Meteo answered HTTP 500: database unavailable; last observation 30 s old, still within 17 min`,
    });
  });

  it('is degraded while its breaker is half-open', () => {
    expect(feedCondition(feed({ upstream: breaker('half_open') }), at()).reason).toMatch(/^source breaker half-open/);
  });

  it('is degraded when the last fetch, after the last observation, failed', () => {
    const failed = feed({ stats: { lastError: 'Open-Meteo: timed out after 500 ms' }, upstream: { ...breaker('closed'), lastFailure: 'Open-Meteo: timed out after 500 ms' } });
    expect(feedCondition(failed, at())).toMatchObject({ state: 'degraded', reason: expect.stringMatching(/^the last fetch failed: Open-Meteo: timed out after 500 ms/) });
  });

  it('is healthy again once a fetch after the failure succeeded, though the stored last error stays', () => {
    const failedBefore = feed({ stats: { lastError: 'Open-Meteo answered HTTP 500' }, upstream: breaker('closed', ago(40_000)) });
    expect(feedCondition(failedBefore, at()).state).toBe('healthy');
    const failedLongAgo = feed({ stats: { lastError: 'Open-Meteo answered HTTP 500' }, lastObservation: { observedAt: ago(600_000), receivedAt: ago(600_000) }, upstream: breaker('closed', ago(300_000)) });
    expect(feedCondition(failedLongAgo, at()).state).toBe('healthy');
  });

  it('is degraded when nothing was ever observed and fetches fail', () => {
    const never = feed({ createdAt: ago(10_000), lastObservation: null, stats: { lastError: 'Open-Meteo answered with a body that is not JSON' } });
    expect(feedCondition(never, at())).toEqual({ state: 'degraded', reason: 'fetches fail: Open-Meteo answered with a body that is not JSON; no observation yet' });
  });

  it('is healthy while it waits for its first observation', () => {
    expect(feedCondition(feed({ createdAt: ago(1_000), lastObservation: null }), at())).toEqual({ state: 'healthy', reason: 'waiting for its first observation' });
  });

  it('is stale when its observation is older than the SLA, the source precision and its period together, naming the failure', () => {
    const old = feed({ lastObservation: { observedAt: ago(1_200_000), receivedAt: ago(1_200_000) }, upstream: breaker('open') });
    expect(feedCondition(old, at())).toEqual({
      state: 'stale',
      reason: `last observation is 20 min old, more than 17 min (weather SLA 60 s + source precision 15 min + period 60 s); source breaker open since ${ago(5_000)} after repeated failures, last: Open-Meteo answered HTTP 500: database unavailable`,
    });
  });

  it('forgives the source timestamp precision: a quarter-hour stamp ten minutes old is not stale', () => {
    const tenMinutes = feed({ lastObservation: { observedAt: ago(600_000), receivedAt: ago(5_000) } });
    expect(feedCondition(tenMinutes, at(OPEN_METEO_PRECISION_MS)).state).toBe('healthy');
    expect(feedCondition(tenMinutes, at(0)).state).toBe('stale');
  });

  it('allows a deviation-gated feed up to its heartbeat before calling it stale', () => {
    const held = feed({ category: 'market', schedule: { intervalMs: 1_000, heartbeatMs: 300_000 }, lastObservation: { observedAt: ago(200_000), receivedAt: ago(200_000) } });
    expect(feedCondition(held, at(0)).state).toBe('healthy');
    expect(feedCondition({ ...held, schedule: { intervalMs: 1_000 } }, at(0)).state).toBe('stale');
  });

  it('is stale when nothing was observed for longer than it allows since registration', () => {
    const never = feed({ category: 'iot', schedule: { intervalMs: 10_000 }, createdAt: ago(120_000), lastObservation: null });
    expect(feedCondition(never, at(0))).toEqual({ state: 'stale', reason: 'no observation in the 2 min since registration, more than 40 s (iot SLA 30 s + period 10 s)' });
  });
});
