import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../runtime/errors.ts';
import { countsAgainstSource } from '../../../slim/outbound/breaker.ts';
import type { OutboundGuard } from '../../../slim/outbound/index.ts';
import { guardOf } from './support/guard.ts';
import { rawFetchFor, ScriptedSource, weatherFeedOf } from './support/scripted-source.ts';

describe('the breaker of one source', () => {
  const source = new ScriptedSource();
  let guard: OutboundGuard;
  beforeAll(() => source.start());
  afterAll(() => source.stop());
  afterEach(async () => {
    await guard.close();
    source.reset();
  });

  /** Opens after 3 fetches in the window when more than half failed; tries again 150 ms after opening. No retries, to count fetches 1:1. */
  const shortBreaker = () =>
    guardOf({
      retry: { attemptsMax: 1, baseDelayMs: 1, delayMsMax: 1, totalMsMax: 5_000 },
      breaker: { resetMs: 150, volumeMin: 3, errorPercentMax: 50, windowMs: 10_000 },
    });

  it('opens after repeated 5xx and then fails fast, naming the open breaker and the last failure, without reaching the source', async () => {
    guard = shortBreaker();
    const fetch = guard.guard(rawFetchFor(source.url));
    const feed = weatherFeedOf(source.url);
    source.otherwise = { status: 503 };
    for (let i = 0; i < 3; i += 1) await expect(fetch(feed)).rejects.toMatchObject({ details: { status: 503 } });
    expect(guard.upstreamOf(feed)).toMatchObject({ breaker: 'open', lastFailure: expect.stringMatching(/HTTP 503/) });
    const before = source.requests;

    const err: unknown = await fetch(feed).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_FAILED', details: { breaker: 'open' } });
    expect(String(err)).toMatch(/circuit breaker open for open-meteo http:\/\/127\.0\.0\.1:\d+ .*last: Open-Meteo answered HTTP 503/);
    expect(source.requests).toBe(before);
    expect(guard.counters()).toMatchObject({ breakerOpens: 1, breakerRejected: 1, breakersNotClosed: 1 });
  });

  it('closes by itself once the source recovers: a trial fetch after the reset timeout succeeds', async () => {
    guard = shortBreaker();
    const fetch = guard.guard(rawFetchFor(source.url));
    const feed = weatherFeedOf(source.url);
    source.otherwise = { status: 500 };
    for (let i = 0; i < 3; i += 1) await fetch(feed).catch(() => undefined);
    expect(guard.upstreamOf(feed)?.breaker).toBe('open');

    source.otherwise = 'ok';
    // Fetch the way the scheduler would, until one gets through; bounded by waitFor's timeout.
    await vi.waitFor(() => fetch(feed), { timeout: 5_000, interval: 50 });
    expect(guard.upstreamOf(feed)).toMatchObject({ breaker: 'closed', openedAt: null });
    await expect(fetch(feed)).resolves.toMatchObject({ value: 12.5 });
  });

  it('does not open on 4xx answers: they are the request’s fault, not the source’s', async () => {
    guard = shortBreaker();
    const fetch = guard.guard(rawFetchFor(source.url));
    const feed = weatherFeedOf(source.url);
    source.otherwise = { status: 400 };
    for (let i = 0; i < 6; i += 1) await expect(fetch(feed)).rejects.toMatchObject({ details: { status: 400 } });
    expect(guard.upstreamOf(feed)?.breaker).toBe('closed');
    expect(source.requests).toBe(6);
  });

  it('opens on repeated 429s', async () => {
    guard = shortBreaker();
    const fetch = guard.guard(rawFetchFor(source.url));
    const feed = weatherFeedOf(source.url);
    source.otherwise = { status: 429 };
    for (let i = 0; i < 3; i += 1) await fetch(feed).catch(() => undefined);
    expect(guard.upstreamOf(feed)?.breaker).toBe('open');
  });

  it('keeps sources apart: one failing origin does not open the breaker of another', async () => {
    const other = new ScriptedSource();
    await other.start();
    try {
      guard = shortBreaker();
      source.otherwise = { status: 503 };
      const failing = guard.guard(rawFetchFor(source.url));
      for (let i = 0; i < 3; i += 1) await failing(weatherFeedOf(source.url)).catch(() => undefined);
      await expect(guard.guard(rawFetchFor(other.url))(weatherFeedOf(other.url))).resolves.toMatchObject({ value: 12.5 });
      expect(guard.upstreamOf(weatherFeedOf(other.url))?.breaker).toBe('closed');
    } finally {
      await other.stop();
    }
  });
});

describe('what counts against a source', () => {
  it('does not count our refusal of its address, even as the cause of the failed request', () => {
    const refusal = new AppError('SOURCE_FAILED', 'source destination refused: 10.0.0.5 is a private address', {
      details: { destination: { host: '10.0.0.5', address: '10.0.0.5', class: 'private' } },
    });
    expect(countsAgainstSource(refusal)).toBe(false);
    expect(countsAgainstSource(new AppError('SOURCE_FAILED', 'Open-Meteo: request failed', { cause: refusal }))).toBe(false);
    expect(countsAgainstSource(new AppError('SOURCE_FAILED', 'Open-Meteo answered HTTP 503', { details: { status: 503 } }))).toBe(true);
  });
});
