import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../../runtime/config.ts';
import type { FeedRegistration } from '../../../schemas/index.ts';
import { fixture, serveJson, SourceServer } from '../../oracles/support/source-server.ts';
import { CLUSTER_SECRET, PROVIDER_A, SlimNode } from './support/slim-node.ts';

const TRADE = fixture('alpaca', 'trade-latest-aapl.json');
const QUOTE = fixture('alpaca', 'quote-latest-aapl.json');
const KEY_ID = 'PKTEST0123456789';
const SECRET_KEY = 'alpaca-secret-never-shown-0123456789';

/** One stand-in for every source: Alpaca by path, Carbon Intensity at /intensity. */
const source = new SourceServer(() => (req, res) => {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  if (path.endsWith('/trades/latest')) return serveJson(200, TRADE)(req, res);
  if (path.endsWith('/quotes/latest')) return serveJson(200, QUOTE)(req, res);
  if (path === '/intensity') return serveJson(200, fixture('carbon-intensity', 'intensity-open.json'))(req, res);
  serveJson(404, '{"message":"not found"}')(req, res);
});

const alpacaFeed = (): FeedRegistration => ({
  name: 'Apple last trade',
  category: 'market',
  assetId: 'aapl',
  source: { adapter: 'alpaca-stocks', params: { symbol: 'AAPL', feed: 'iex', metric: 'trade_price', baseUrl: source.url } },
  schedule: { intervalMs: 3_600_000 },
  quality: {},
});

const rentCastFeed = (): FeedRegistration => ({
  name: 'Grand Lake house',
  category: 'real_estate',
  assetId: 'home-1',
  source: { adapter: 'rentcast-avm', params: { address: '5500 Grand Lake Dr, San Antonio, TX 78244', metric: 'avm_value', baseUrl: source.url } },
  schedule: { intervalMs: 3_600_000 },
  quality: {},
});

beforeAll(() => source.start());
afterAll(() => source.stop());

describe('a worker without source credentials', () => {
  let slim: SlimNode;
  beforeAll(async () => {
    slim = await SlimNode.start({ SOURCE_ORIGINS_ALLOWED: source.url });
  });
  afterAll(() => slim.close());

  it('refuses an Alpaca feed at registration with a 400 naming the source and its variables', async () => {
    const res = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: alpacaFeed() });
    expect(res.status).toBe(400);
    const error = (res.body as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('alpaca-stocks');
    expect(error.message).toContain('ALPACA_KEY_ID');
  });

  it('refuses a RentCast feed at registration with a 400 naming RENTCAST_API_KEY', async () => {
    const res = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: rentCastFeed() });
    expect(res.status).toBe(400);
    expect((res.body as { error: { message: string } }).error.message).toContain('rentcast-avm');
    expect((res.body as { error: { message: string } }).error.message).toContain('RENTCAST_API_KEY');
  });

  it('registers a carbon intensity feed, which needs no key', async () => {
    const res = await slim.call('POST', '/api/v11/external/feeds', {
      as: PROVIDER_A,
      body: { name: 'GB grid', category: 'carbon', assetId: 'grid-gb', source: { adapter: 'carbon-intensity-uk', params: { baseUrl: source.url } } },
    });
    expect(res.status).toBe(201);
  });

  it('refuses a source adapter registered under another category', async () => {
    const res = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: { ...alpacaFeed(), category: 'carbon' } });
    expect(res.status).toBe(400);
  });
});

describe('a worker with Alpaca credentials', () => {
  let slim: SlimNode;
  beforeAll(async () => {
    slim = await SlimNode.start({ SOURCE_ORIGINS_ALLOWED: source.url, ALPACA_KEY_ID: KEY_ID, ALPACA_SECRET_KEY: SECRET_KEY });
  });
  afterAll(() => slim.close());

  it('registers the feed, fetches with the operator keys, and never shows the secret', async () => {
    const created = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: alpacaFeed() });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    source.requests = [];
    const dryRun = await slim.call('POST', `/api/v11/external/feeds/${id}/test`, { as: PROVIDER_A });
    expect(dryRun.status).toBe(200);
    expect(JSON.stringify(dryRun.body)).toContain('184.25');
    const asked = source.requests.filter((r) => r.url.pathname.startsWith('/v2/stocks/AAPL/'));
    expect(asked.length).toBeGreaterThanOrEqual(2);
    for (const r of asked) {
      expect(r.headers['apca-api-key-id']).toBe(KEY_ID);
      expect(r.headers['apca-api-secret-key']).toBe(SECRET_KEY);
    }
    const read = await slim.call('GET', `/api/v11/external/feeds/${id}`, { as: PROVIDER_A });
    expect(JSON.stringify(read.body)).not.toContain(SECRET_KEY);
    expect(JSON.stringify(dryRun.body)).not.toContain(SECRET_KEY);
  });

  it('still refuses RentCast, whose key is not configured', async () => {
    const res = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: rentCastFeed() });
    expect(res.status).toBe(400);
  });
});

describe('source credentials in the configuration', () => {
  it('stops the start on half an Alpaca key pair, naming the missing variable', () => {
    expect(() => loadConfig({ CLUSTER_SECRET, ALPACA_KEY_ID: KEY_ID }, 'slim')).toThrow(ConfigError);
    expect(() => loadConfig({ CLUSTER_SECRET, ALPACA_KEY_ID: KEY_ID }, 'slim')).toThrow(/ALPACA_SECRET_KEY/);
  });

  it('lets no source origin reach non-public addresses by default', () => {
    const config = loadConfig({ CLUSTER_SECRET }, 'slim');
    expect(config.SOURCE_ORIGINS_ALLOWED).toEqual([]);
  });
});
