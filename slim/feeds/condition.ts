import { FRESHNESS_SLA_MS, type Category, type FeedCondition, type FeedScheduleState, type FeedUpstream } from '../../schemas/index.ts';

/** What the condition is computed from: the feed's public view (without its condition). */
export interface ConditionInput {
  category: Category;
  status: 'active' | 'paused';
  scheduleState?: FeedScheduleState | undefined;
  schedule: { intervalMs: number; heartbeatMs?: number | undefined };
  createdAt: string;
  lastObservation: { observedAt: string; receivedAt: string } | null;
  stats: { lastError: string | null };
  upstream?: Pick<FeedUpstream, 'breaker' | 'lastFailure' | 'lastFailureAt' | 'openedAt'> | undefined;
}

/**
 * A feed's condition at `nowMs`, pure. An observation is fresh while its age is within the
 * category's freshness SLA, plus the source's timestamp precision (Open-Meteo stamps the running
 * quarter hour), plus the feed's own period (the next fetch, or the heartbeat when a deviation
 * rule holds publications back, is only due then). Stale wins over degraded: old data is the
 * worse news, and its reason still names the failure behind it.
 */
export function feedCondition(feed: ConditionInput, at: { nowMs: number; sourcePrecisionMs: number }): FeedCondition {
  if (feed.status === 'paused') return { state: 'paused', reason: 'paused by its provider: not fetched until resumed' };
  if (feed.scheduleState === 'market_closed') return { state: 'healthy', reason: 'outside the US equity session: not fetched until it opens' };

  const slaMs = FRESHNESS_SLA_MS[feed.category];
  const periodMs = Math.max(feed.schedule.intervalMs, feed.schedule.heartbeatMs ?? 0);
  const allowanceMs = slaMs + at.sourcePrecisionMs + periodMs;
  const allowance = `${duration(allowanceMs)} (${feed.category} SLA ${duration(slaMs)}${at.sourcePrecisionMs > 0 ? ` + source precision ${duration(at.sourcePrecisionMs)}` : ''} + period ${duration(periodMs)})`;
  const failure = failureOf(feed, at.nowMs);
  const last = feed.lastObservation;

  if (last === null) {
    const sinceMs = Math.max(0, at.nowMs - Date.parse(feed.createdAt));
    if (sinceMs > allowanceMs) return { state: 'stale', reason: joined(`no observation in the ${duration(sinceMs)} since registration, more than ${allowance}`, failure) };
    if (failure !== null) return { state: 'degraded', reason: `${failure}; no observation yet` };
    return { state: 'healthy', reason: 'waiting for its first observation' };
  }

  const ageMs = Math.max(0, at.nowMs - Date.parse(last.observedAt));
  if (ageMs > allowanceMs) return { state: 'stale', reason: joined(`last observation is ${duration(ageMs)} old, more than ${allowance}`, failure) };
  if (failure !== null) return { state: 'degraded', reason: `${failure}; last observation ${duration(ageMs)} old, still within ${duration(allowanceMs)}` };
  return { state: 'healthy', reason: `last observation ${duration(ageMs)} old, within ${allowance}` };
}

/**
 * What is failing now, or null. The breaker is the surest sign. Otherwise the stored last error
 * (kept after later successes) counts when nothing was ever observed, or when the breaker's last
 * failure is newer than the last observation and within the last two fetch periods: a fetch
 * since then that brought nothing new has succeeded.
 */
function failureOf(feed: ConditionInput, nowMs: number): string | null {
  const upstream = feed.upstream;
  if (upstream !== undefined && upstream.breaker !== 'closed') {
    const state = upstream.breaker === 'open' ? 'open' : 'half-open (a trial fetch is due)';
    const since = upstream.openedAt === null ? '' : ` since ${upstream.openedAt}`;
    return `source breaker ${state}${since} after repeated failures, last: ${upstream.lastFailure ?? feed.stats.lastError ?? 'unknown'}`;
  }
  const lastError = feed.stats.lastError;
  if (lastError === null) return null;
  const last = feed.lastObservation;
  if (last === null) return `fetches fail: ${lastError}`;
  const failedAt = upstream?.lastFailureAt ?? null;
  const failedAtMs = failedAt === null ? null : Date.parse(failedAt);
  if (failedAtMs !== null && failedAtMs > Date.parse(last.receivedAt) && nowMs - failedAtMs <= 2 * feed.schedule.intervalMs) return `the last fetch failed: ${upstream?.lastFailure ?? lastError}`;
  return null;
}

const joined = (head: string, failure: string | null): string => (failure === null ? head : `${head}; ${failure}`);

/** A duration as a person reads it: 800 ms, 45 s, 16 min, 3 h. */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
