import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SOURCE_BODY_BYTES_MAX } from '../../../oracles/http.ts';
import { AppError } from '../../../runtime/errors.ts';
import { systemClock } from '../../../slim/clock.ts';
import { SourceDestinations } from '../../../slim/outbound/destination/index.ts';
import { isTransientSourceError } from '../../../slim/outbound/index.ts';
import { fetchFromSource } from '../../../slim/sources.ts';
import { weatherFeedOf } from '../outbound/support/scripted-source.ts';
import { FaultySource } from './support/faulty-source.ts';

/** The worker's fetch against a source whose answer never ends or is far too large: cut at SOURCE_BODY_BYTES_MAX. */
describe('a source answering more than SOURCE_BODY_BYTES_MAX', () => {
  const source = new FaultySource();
  let destinations: SourceDestinations;
  beforeAll(async () => {
    await source.start();
    destinations = new SourceDestinations({ originsAllowed: [source.url] });
  });
  afterAll(async () => {
    await destinations.close();
    await source.stop();
  });
  beforeEach(() => {
    source.closed.length = 0;
  });

  const fetchOnce = async (): Promise<AppError> => {
    const error = await fetchFromSource(weatherFeedOf(source.url), { timeoutMs: 10_000, clock: systemClock, destinations }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  };
  /** The exchange as the source saw it, once the worker hung up. */
  const exchangeClosed = async () => {
    const deadline = Date.now() + 5_000;
    while (source.closed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(source.closed).toHaveLength(1);
    return source.closed[0] as (typeof source.closed)[number];
  };

  it('refuses a 2 MiB body that says its size, without reading it', async () => {
    source.fault = 'huge';
    const error = await fetchOnce();
    expect(error.message).toBe(`Open-Meteo: response body exceeds ${SOURCE_BODY_BYTES_MAX} bytes (it declares ${2 * 1_048_576 + 14})`);
    expect(isTransientSourceError(error)).toBe(false);
  });

  it('stops reading a chunked body that never ends once it passes the limit, and hangs up', async () => {
    source.fault = 'endless';
    const error = await fetchOnce();
    expect(error.message).toBe(`Open-Meteo: response body exceeds ${SOURCE_BODY_BYTES_MAX} bytes`);
    const exchange = await exchangeClosed();
    // What the source managed to send before the hang-up: the limit plus what sat in socket buffers, not an unbounded stream.
    expect(exchange.bytesWritten).toBeGreaterThan(SOURCE_BODY_BYTES_MAX);
    expect(exchange.bytesWritten).toBeLessThan(16 * SOURCE_BODY_BYTES_MAX);
  });
});
