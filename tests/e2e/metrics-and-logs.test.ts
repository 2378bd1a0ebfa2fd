import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../runtime/logger.ts';
import { FeedCreated } from '../../schemas/index.ts';
import { scrape, valueOf, type Exposition } from '../support/prometheus.ts';
import { issueKeys, berlinWeatherFeed, call, eventually, startTestNetwork, type TestNetwork } from '../support/network.ts';

type Role = 'gateway' | 'slim' | 'validator';

/** Every JSON line each role logged, in order. */
const logs: Record<Role, Record<string, unknown>[]> = { gateway: [], slim: [], validator: [] };

function captureLines(role: Role): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.length > 0) logs[role].push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}

const positive = (v: number | undefined): boolean => v !== undefined && v > 0;

describe('metrics and logs of every role', () => {
  let net: TestNetwork;
  const keys = { provider: '', reviewer: '' };

  beforeAll(async () => {
    net = await startTestNetwork({ logger: (role) => createLogger(role, 'info', captureLines(role)) });
    await issueKeys(net.api, keys, 'metrics');
  }, 180_000);
  afterAll(async () => net?.stop());

  it('exposes the platform’s metric names on every role, and their values move with traffic', async () => {
    const before = { gateway: await scrape(net.gateway.url), slim: await scrape(net.slim.url), validator: await scrape(net.validator.url) };

    // Traffic: a pulled weather feed (source calls, quality scores, channel events, blocks) and gateway requests, some refused.
    const created = await call(`${net.api}/external/feeds`, { method: 'POST', key: keys.provider, body: berlinWeatherFeed(net.source.url) });
    expect(created.status).toBe(201);
    FeedCreated.parse(created.body);
    // Key guessing on /auth is limited per address (5 a minute): some of these are refused with 429.
    const attempts = await Promise.all(Array.from({ length: 8 }, () => call(`${net.api}/auth/keys`, { method: 'POST', key: 'ok_not-a-real-key', body: {} })));
    expect(attempts.map((a) => a.status)).toContain(429);

    const after = await eventually(async () => {
      const now = { gateway: await scrape(net.gateway.url), slim: await scrape(net.slim.url), validator: await scrape(net.validator.url) };
      const moved =
        positive(valueOf(now.validator, 'aurigraph_transaction_processed_total')) &&
        positive(valueOf(now.validator, 'aurigraph_transaction_latency_ms_count')) &&
        positive(valueOf(now.slim, 'slim_tokenization_events_pushed')) &&
        positive(valueOf(now.slim, 'slim_api_call_latency_ms_count', { source: 'open-meteo' }));
      return moved ? now : undefined;
    }, 150);

    const v = after.validator;
    expect(valueOf(v, 'aurigraph_consensus_block_height')).toBeGreaterThan(valueOf(before.validator, 'aurigraph_consensus_block_height') ?? 0);
    expect(valueOf(v, 'aurigraph_consensus_tps_current')).toBeDefined();
    expect(v.types.get('aurigraph_transaction_processed_total')).toBe('counter');
    expect(v.types.get('aurigraph_transaction_latency_ms')).toBe('histogram');

    const s = after.slim;
    expect(valueOf(s, 'slim_api_availability_percent', { source: 'open-meteo' })).toBe(100);
    expect(valueOf(s, 'slim_data_quality_score_count', { category: 'weather', decision: 'accepted' })).toBeGreaterThan(0);
    expect(s.types.get('slim_cache_hit_ratio')).toBe('gauge');
    expect(valueOf(before.slim, 'slim_tokenization_events_pushed')).toBe(0);

    const g = after.gateway;
    const feedsRoute = { route: '/api/v11/external/feeds', method: 'POST', status: '201' };
    expect(valueOf(g, 'gateway_http_requests_total', feedsRoute)).toBe((valueOf(before.gateway, 'gateway_http_requests_total', feedsRoute) ?? 0) + 1);
    expect(valueOf(g, 'gateway_http_request_duration_ms_count', { route: '/api/v11/external/feeds', method: 'POST' })).toBeGreaterThan(0);
    expect(valueOf(g, 'gateway_rate_limit_rejections_total', { limit: 'auth' })).toBeGreaterThan(0);
    expect(valueOf(g, 'gateway_upstream_breaker_state', { pool: 'slim', upstream: net.slim.url })).toBe(0);
    expect(valueOf(g, 'gateway_upstream_breaker_state', { pool: 'validators', upstream: net.validator.url })).toBe(0);

    // Every role also reports its process (one set per process).
    for (const e of [g, s, v] satisfies Exposition[]) expect(valueOf(e, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  }, 240_000);

  it('logs a request under the same id in the gateway and in the slim worker that served it', async () => {
    const requestId = `trace-${Date.now()}`;
    const res = await call(`${net.api}/reviews?status=pending`, { key: keys.reviewer, headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const seen = (role: Role) => logs[role].some((line) => line.requestId === requestId && line.role === role);
    await eventually(async () => (seen('gateway') && seen('slim') ? true : undefined));
    const slimLine = logs.slim.find((line) => line.requestId === requestId);
    expect(slimLine).toMatchObject({ msg: 'request', method: 'GET', path: '/api/v11/reviews', status: 200 });
  });

  it('logs a consensus read under the client’s request id in the validator', async () => {
    const requestId = `trace-status-${Date.now()}`;
    const res = await call(`${net.api}/consensus/status`, { headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(200);
    await eventually(async () => (logs.validator.some((line) => line.requestId === requestId) && logs.gateway.some((line) => line.requestId === requestId) ? true : undefined));
  });
});
