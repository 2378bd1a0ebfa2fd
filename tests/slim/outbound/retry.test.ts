import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../runtime/errors.ts';
import { isTransientSourceError, withRetry, type OutboundGuard } from '../../../slim/outbound/index.ts';
import { guardOf } from './support/guard.ts';
import { rawFetchFor, ScriptedSource, weatherFeedOf } from './support/scripted-source.ts';

describe('retries of a source fetch', () => {
  const source = new ScriptedSource();
  let guard: OutboundGuard;
  beforeAll(() => source.start());
  afterAll(() => source.stop());
  afterEach(async () => {
    await guard.close();
    source.reset();
  });

  const fetchOnce = () => {
    guard = guardOf();
    return guard.guard(rawFetchFor(source.url))(weatherFeedOf(source.url));
  };

  it('does not retry a 4xx: one request reaches the source and the fetch fails with its status', async () => {
    source.otherwise = { status: 404 };
    await expect(fetchOnce()).rejects.toMatchObject({ code: 'SOURCE_FAILED', details: { status: 404 } });
    expect(source.requests).toBe(1);
    expect(guard.counters().retried).toBe(0);
  });

  it('succeeds after one retry when the source answers 503 and then 200', async () => {
    source.queue.push({ status: 503 });
    const observation = await fetchOnce();
    expect(observation.value).toBe(12.5);
    expect(source.requests).toBe(2);
    expect(guard.counters().retried).toBe(1);
  });

  it('retries a 429', async () => {
    source.queue.push({ status: 429 }, { status: 429 });
    await expect(fetchOnce()).resolves.toMatchObject({ value: 12.5 });
    expect(source.requests).toBe(3);
    expect(guard.counters().retried).toBe(2);
  });

  it('gives up after the bounded number of attempts and reports the last failure', async () => {
    source.otherwise = { status: 502 };
    await expect(fetchOnce()).rejects.toMatchObject({ code: 'SOURCE_FAILED', details: { status: 502 } });
    expect(source.requests).toBe(3);
  });

  it('does not retry a body that is not JSON, and counts it against the source', async () => {
    source.otherwise = 'garbage';
    await expect(fetchOnce()).rejects.toThrow(/not JSON/);
    expect(source.requests).toBe(1);
    expect(guard.counters().retried).toBe(0);
    const upstream = guard.upstreamOf(weatherFeedOf(source.url));
    expect(upstream?.lastFailure).toMatch(/not JSON/);
  });

  it('retries a refused connection (a network error), then fails with its cause', async () => {
    const gone = new ScriptedSource();
    await gone.start();
    const url = gone.url;
    await gone.stop();
    guard = guardOf();
    const err: unknown = await guard.guard(rawFetchFor(url))(weatherFeedOf(url)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_FAILED' });
    expect(isTransientSourceError(err)).toBe(true);
    expect(guard.counters().retried).toBe(2);
  });
});

describe('which failures are transient', () => {
  it('5xx, 429 and network causes are; other 4xx, schema and local errors are not', () => {
    const status = (s: number) => new AppError('SOURCE_FAILED', `HTTP ${s}`, { details: { status: s } });
    expect([500, 502, 503, 504, 429].map((s) => isTransientSourceError(status(s)))).toEqual([true, true, true, true, true]);
    expect([400, 401, 403, 404, 422].map((s) => isTransientSourceError(status(s)))).toEqual([false, false, false, false, false]);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(isTransientSourceError(new AppError('SOURCE_FAILED', 'request failed', { cause: refused }))).toBe(true);
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(isTransientSourceError(new AppError('SOURCE_FAILED', 'timed out', { cause: timeout }))).toBe(true);
    expect(isTransientSourceError(new AppError('SOURCE_FAILED', 'not JSON', { cause: new SyntaxError('Unexpected token') }))).toBe(false);
    expect(isTransientSourceError(new AppError('SOURCE_FAILED', 'schema', { details: [{ path: 'current', message: 'Required' }] }))).toBe(false);
    expect(isTransientSourceError(new AppError('RATE_LIMITED', 'no slot'))).toBe(false);
  });

  it('never starts an attempt past the total time bound', async () => {
    let attempts = 0;
    let nowMs = 0;
    const failing = () => {
      attempts += 1;
      nowMs += 400;
      return Promise.reject(new AppError('SOURCE_FAILED', 'HTTP 503', { details: { status: 503 } }));
    };
    await expect(
      withRetry(failing, { attemptsMax: 10, baseDelayMs: 100, delayMsMax: 100, totalMsMax: 1_000 }, { nowMs: () => nowMs, sleep: (ms) => ((nowMs += ms), Promise.resolve()), random: () => 1 }),
    ).rejects.toMatchObject({ details: { status: 503 } });
    // 400, a 100 ms pause, 400 more: at 900 another pause would reach the 1000 ms bound. Two attempts, not ten.
    expect(attempts).toBe(2);
  });
});
