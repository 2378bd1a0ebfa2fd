import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CarbonObservation, IotObservation, MarketObservation, RealEstateObservation, WeatherObservation, type Category } from '../../../../schemas/index.ts';
import { IsoTimestamp } from '../../../../schemas/common.ts';
import { certainlyValidObservation } from '../../../../slim/quality/format-fast-path.ts';
import { isCategory } from '../../../../slim/quality/format.ts';
import { inspectFormat } from '../../../../slim/quality/index.ts';
import { canonicalIsoMs } from '../../../../slim/quality/timestamps.ts';

/** Bounded and reproducible: the same cases on every run and machine. */
const RUNS = { numRuns: 400, seed: 20_260_303 } as const;

const SCHEMAS = { market: MarketObservation, real_estate: RealEstateObservation, carbon: CarbonObservation, iot: IotObservation, weather: WeatherObservation } as const;
const zodAccepts = (input: Record<string, unknown>, category: Category): boolean => SCHEMAS[category].safeParse(input).success;

/** Strings within every schema limit even counted in UTF-16 units (at most 16 here; the smallest limit is 32), empty included. */
const shortText = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.constant(''));
/** Strings near every limit the schemas set: around 32/64/128/512, with astral characters (one code point, two units). */
const text = fc.oneof(
  shortText,
  fc.integer({ min: 0, max: 140 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 0, max: 140 }).map((n) => '😀'.repeat(n)),
);
/** Mostly finite (as data is), sometimes NaN, ±Infinity or an integer past 2^53. */
const number = fc.oneof({ arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 8 }, fc.double(), fc.integer(), fc.constantFrom(0, -0, 2 ** 53, -(2 ** 53), 1.5));
const instant = fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());
/** Timestamps in toISOString's shape, with real and impossible dates and times, and rubbish. */
const canonicalTimestamp = fc.oneof(
  { arbitrary: instant, weight: 12 },
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 })).map(
    ([y, mo, d, h]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:59:59.999Z`,
  ),
  fc.string({ maxLength: 26 }),
);
/** Besides: ISO shapes zod accepts that the fast path leaves to zod. */
const anyTimestamp = fc.oneof(canonicalTimestamp, instant.map((s) => s.replace('.000Z', 'Z')), instant.map((s) => s.replace('Z', '+01:00')));
const optional = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });

/**
 * Observation-shaped input of any category, every field drawn near and past its limits. With
 * `exact`, only strings that fit in UTF-16 units and timestamps in toISOString's shape: where the
 * fast path must give zod's answer, not merely defer to it.
 */
function shapedWith(exact: boolean): fc.Arbitrary<{ category: Category; input: Record<string, unknown> }> {
  const str = exact ? shortText : text;
  const timestamp = exact ? canonicalTimestamp : anyTimestamp;
  // Mostly valid, so that both answers are common.
  const identifier = fc.oneof({ arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/), weight: 12 }, str);
  const oneOf = (...values: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 12 }, str);
  const source = fc.record({ adapter: str, url: optional(str), deviceId: optional(str), authentication: oneOf('signed', 'api_key', 'registered_endpoint', 'none') });
  const data: Record<Category, fc.Arbitrary<Record<string, unknown>>> = {
    market: fc.record({
      symbol: str,
      price: number,
      bid: optional(number),
      ask: optional(number),
      volume: optional(number),
      exchange: optional(str),
      quotedAt: optional(timestamp),
      bar: optional(fc.record({ open: number, high: number, low: number, close: number, volume: number, vwap: optional(number), tradeCount: optional(number), durationMs: number })),
    }),
    real_estate: fc.record({ propertyId: str, valuationUsd: number, rangeLowUsd: optional(number), rangeHighUsd: optional(number), comparablesCount: optional(number) }),
    carbon: fc.record({
      kind: oneOf('intensity', 'credit_price'),
      region: optional(str),
      intensityGPerKwh: optional(number),
      forecastGPerKwh: optional(number),
      index: optional(oneOf('very low', 'low', 'moderate', 'high', 'very high')),
      priceUsdPerTonne: optional(number),
      instrument: optional(str),
      intensityBasis: optional(oneOf('actual', 'forecast')),
      windowEnd: optional(timestamp),
    }),
    iot: fc.record({
      deviceId: str,
      metric: str,
      reading: number,
      latitude: optional(number),
      longitude: optional(number),
      shipment: optional(
        fc.record({
          trackingCode: str,
          trackerId: optional(str),
          status: str,
          statusDetail: optional(str),
          carrier: optional(str),
          message: optional(str),
          location: optional(fc.record({ city: optional(str), state: optional(str), country: optional(str), zip: optional(str) })),
        }),
      ),
    }),
    weather: fc.record({
      latitude: number,
      longitude: number,
      timezone: str,
      temperatureC: optional(number),
      relativeHumidityPct: optional(number),
      windSpeedKmh: optional(number),
      precipitationMm: optional(number),
      pressureHpa: optional(number),
    }),
  };
  return fc.constantFrom<Category>('market', 'real_estate', 'carbon', 'iot', 'weather').chain((category) =>
    fc
      .record({ feedId: identifier, assetId: identifier, observedAt: timestamp, receivedAt: timestamp, value: number, unit: str, source, confidence: optional(number), data: data[category] })
      .map((o) => ({ category, input: { ...o, category } as Record<string, unknown> })),
  );
}

const shaped = shapedWith(false);

/** Well-formed input, then one field of its own (the category too) replaced by anything at all. */
const broken = shaped.chain(({ category, input }) =>
  fc.tuple(fc.constantFrom(...Object.keys(input)), fc.anything()).map(([key, junk]) => ({ category, input: { ...input, [key]: junk } })),
);

describe('format fast path', () => {
  it('vouches for an observation in toISOString timestamps and short strings exactly when its category schema accepts it', () => {
    let valid = 0;
    fc.assert(
      fc.property(shapedWith(true), ({ category, input }) => {
        const vouched = certainlyValidObservation(input, category);
        expect(vouched).toBe(zodAccepts(input, category));
        if (vouched) valid++;
      }),
      RUNS,
    );
    // Both answers occur often enough to mean something.
    expect(valid).toBeGreaterThan(RUNS.numRuns / 20);
    expect(valid).toBeLessThan(RUNS.numRuns - RUNS.numRuns / 20);
  });

  it('never vouches for input its category schema rejects', () => {
    fc.assert(
      fc.property(fc.oneof(shaped, broken), ({ category, input }) => {
        if (certainlyValidObservation(input, category)) expect(zodAccepts(input, category)).toBe(true);
      }),
      RUNS,
    );
  });

  it('leaves the format step answering exactly as zod alone would', () => {
    fc.assert(
      fc.property(fc.oneof(shaped, broken), ({ input }) => {
        const inspected = inspectFormat(input);
        const category = input['category'];
        const accepted = isCategory(category) && zodAccepts(input, category);
        expect(inspected.observation === null).toBe(!accepted);
        if (isCategory(category) && !accepted) expect(inspected.result.reason).toMatch(/^schema violations: /);
      }),
      RUNS,
    );
  });

  it('reads a canonical timestamp only when zod accepts it, as the number Date.parse gives', () => {
    fc.assert(
      fc.property(anyTimestamp, (s) => {
        const ms = canonicalIsoMs(s);
        if (!Number.isNaN(ms)) {
          expect(IsoTimestamp.safeParse(s).success).toBe(true);
          expect(ms).toBe(Date.parse(s));
        }
      }),
      RUNS,
    );
  });

  it('reads every instant toISOString writes in years 0000 to 9999', () => {
    fc.assert(
      fc.property(instant, (s) => {
        expect(canonicalIsoMs(s)).toBe(Date.parse(s));
      }),
      RUNS,
    );
  });
});
