import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeedSource, Observation } from '../../../schemas/index.ts';
import { checkReferentialIntegrity } from '../../../slim/quality/index.ts';
import { sameAddress, WEATHER_COORDINATE_TOLERANCE_DEG } from '../../../slim/quality/referential-integrity.ts';
import { DEVICE, carbon, contextFor, feedFor, iot, market, realEstate, verifiedPush, weather } from './support.ts';

describe('referential integrity', () => {
  it('accepts an observation of its active feed', () => {
    const o = weather();
    expect(checkReferentialIntegrity(o, contextFor(o)).score).toBe(1);
  });

  it('rejects an observation of an unknown feed', () => {
    const o = weather();
    expect(checkReferentialIntegrity(o, contextFor(o, { feed: null }))).toMatchObject({ score: 0, reason: 'unknown feed' });
  });

  it('rejects an observation of a paused feed', () => {
    const o = weather();
    const result = checkReferentialIntegrity(o, contextFor(o, { feed: { ...feedFor(o), status: 'paused' } }));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('paused');
  });

  it('rejects an observation naming another asset than its feed', () => {
    const o = weather({ assetId: 'paris-weather' });
    const ctx = contextFor(o, { feed: { ...feedFor(o), assetId: 'berlin-weather' } });
    expect(checkReferentialIntegrity(o, ctx).reason).toContain('paris-weather');
  });

  it('rejects an observation of another category than its feed', () => {
    const o = weather();
    const ctx = contextFor(o, { feed: { ...feedFor(o), category: 'carbon' } });
    expect(checkReferentialIntegrity(o, ctx).score).toBe(0);
  });

  it('rejects an iot reading from a device other than the registered one', () => {
    const o = iot({}, { deviceId: 'sensor-99' });
    const result = checkReferentialIntegrity(o, contextFor(o));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('sensor-99');
  });
});

describe('referential integrity: the device of an iot reading', () => {
  const o = iot();

  it('accepts a reading of a registered device in service that observes the feed asset', () => {
    expect(checkReferentialIntegrity(o, contextFor(o, { push: verifiedPush(o) })).score).toBe(1);
  });

  it('rejects a reading whose device is not registered', () => {
    const result = checkReferentialIntegrity(o, contextFor(o, { push: verifiedPush(o, { device: null }) }));
    expect(result).toMatchObject({ score: 0, reason: 'device sensor-42 is not registered' });
  });

  it('rejects a reading of a revoked device', () => {
    const result = checkReferentialIntegrity(o, contextFor(o, { push: verifiedPush(o, { device: { ...DEVICE, revokedAt: '2025-01-01T00:00:00.000Z' } }) }));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('revoked');
  });

  it('checks an MQTT reading against the device its feed names, without the push registry', () => {
    const mqtt: FeedSource = { adapter: 'mqtt', params: { topic: 'v1/devices/me/telemetry', key: 'temperature', deviceId: 'sensor-42', unit: '°C' } };
    const ctx = (r: Observation) => ({ ...contextFor(r, { feed: { ...feedFor(r), source: mqtt } }), push: undefined });
    expect(checkReferentialIntegrity(o, ctx(o)).score).toBe(1);
    const other = iot({}, { deviceId: 'sensor-99' });
    expect(checkReferentialIntegrity(other, ctx(other)).score).toBe(0);
  });

  it('rejects a reading of a device that observes another asset than the feed', () => {
    const result = checkReferentialIntegrity(o, contextFor(o, { push: verifiedPush(o, { device: { ...DEVICE, assetId: 'another-store' } }) }));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('another-store');
  });
});

describe('referential integrity: the entity a pulled source answered about', () => {
  const alpaca: FeedSource = { adapter: 'alpaca-stocks', params: { symbol: 'AAPL', feed: 'iex', metric: 'trade_price', baseUrl: 'https://data.alpaca.markets' } };
  const address = '5500 Grand Lake Dr, San Antonio, TX, 78244';
  const rentcast: FeedSource = { adapter: 'rentcast-avm', params: { address, metric: 'avm_value', baseUrl: 'https://api.rentcast.io' } };
  const carbonUk: FeedSource = { adapter: 'carbon-intensity-uk', params: { metric: 'intensity', baseUrl: 'https://api.carbonintensity.org.uk' } };
  const coin: FeedSource = { adapter: 'coingecko-carbon', params: { coinId: 'toucan-protocol-base-carbon-tonne', metric: 'credit_price', baseUrl: 'https://api.coingecko.com' } };
  const onFeed = (o: Observation, source: FeedSource) => checkReferentialIntegrity(o, contextFor(o, { feed: { ...feedFor(o), source } }));

  it('accepts the symbol the feed asked for and rejects another', () => {
    expect(onFeed(market({}, { symbol: 'AAPL' }), alpaca).score).toBe(1);
    const result = onFeed(market({}, { symbol: 'MSFT' }), alpaca);
    expect(result.score).toBe(0);
    expect(result.reason).toContain('MSFT');
  });

  it('accepts the property the feed asked for, however its blanks and case are written, and rejects another', () => {
    expect(onFeed(realEstate({}, { propertyId: ` ${address.toUpperCase()}  ` }), rentcast).score).toBe(1);
    expect(onFeed(realEstate({}, { propertyId: '1 Other St, Austin, TX, 78701' }), rentcast).score).toBe(0);
  });

  it('compares addresses as their blank-collapsed lower-case forms do, for any text', () => {
    // Blanks of every kind (ASCII and Unicode), case, and words that differ in one letter.
    const piece = fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '\u2028', 'a', 'A', 'b', 'Main', 'MAIN', 'St,', 'İ', 'ß', '\u212a', 'k', '5500');
    const address = fc.array(piece, { maxLength: 10 }).map((p) => p.join(''));
    const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
    fc.assert(
      fc.property(address, address, fc.boolean(), (a, b, same) => {
        const other = same ? ` ${a.toUpperCase()} ` : b;
        expect(sameAddress(a, other)).toBe(norm(a) === norm(other));
      }),
      { numRuns: 500, seed: 20_260_305 },
    );
  });

  it('accepts the national GB intensity and rejects another region', () => {
    expect(onFeed(carbon({}, { region: 'GB' }), carbonUk).score).toBe(1);
    expect(onFeed(carbon({}, { region: 'FR' }), carbonUk)).toMatchObject({ score: 0 });
  });

  it('accepts the price of the coin the feed asked for and rejects another coin', () => {
    const priced = (ids: string) =>
      carbon(
        { unit: 'USD/tCO2e', source: { adapter: 'coingecko-carbon', url: `https://api.coingecko.com/api/v3/simple/price?ids=${ids}&vs_currencies=usd`, authentication: 'registered_endpoint' } },
        { kind: 'credit_price', region: undefined, priceUsdPerTonne: 1 },
      );
    expect(onFeed(priced('toucan-protocol-base-carbon-tonne'), coin).score).toBe(1);
    const result = onFeed(priced('moss-carbon-credit'), coin);
    expect(result.score).toBe(0);
    expect(result.reason).toContain('moss-carbon-credit');
  });

  it('accepts weather on the model grid near the requested point and rejects it farther than the tolerance', () => {
    const near = weather({}, { latitude: 52.52 + WEATHER_COORDINATE_TOLERANCE_DEG / 2, longitude: 13.42 - WEATHER_COORDINATE_TOLERANCE_DEG / 2 });
    expect(checkReferentialIntegrity(near, contextFor(near)).score).toBe(1);
    const far = weather({}, { latitude: 48.85, longitude: 2.35 });
    const result = checkReferentialIntegrity(far, contextFor(far));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('48.85');
  });

  it('treats longitudes across the antimeridian as close', () => {
    const o = weather({}, { latitude: 0, longitude: -179.95 });
    const source: FeedSource = { adapter: 'open-meteo', params: { latitude: 0, longitude: 179.95, timezone: 'UTC', metric: 'temperature_2m', baseUrl: 'https://api.open-meteo.com' } };
    expect(onFeed(o, source).score).toBe(1);
  });
});
