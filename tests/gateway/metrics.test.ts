import { AggregatorRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createGatewayMetrics, routeLabel } from '../../gateway/metrics/registry.ts';
import { SmoothWeightedBalancer } from '../../gateway/pools/balancer.ts';
import { PoolRegistry } from '../../gateway/pools/registry.ts';
import { RateLimitCounters } from '../../gateway/rate-limit/stats.ts';
import { ROUTE_POLICY, type RouteRule } from '../../gateway/routing/policy.ts';
import { parseExposition, valueOf, type Exposition } from '../support/prometheus.ts';

const VALIDATOR = 'http://127.0.0.1:19003';
const SLIM = 'http://127.0.0.1:19013';

function ruleOf(method: string, pattern: string): RouteRule {
  const rule = ROUTE_POLICY.find((r) => r.method === method && r.pattern === pattern);
  if (rule === undefined) throw new Error(`no ${method} ${pattern} rule`);
  return rule;
}

/** A request's start that many milliseconds ago: its latency is that, plus the microseconds until it is observed. */
const startedAgo = (ms: number) => performance.now() - ms;

const BOUNDS = ['1', '2.5', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000', '10000', '30000', '+Inf'];

/** The cumulative buckets of one route and method, by bound, in the exposition's order. */
function bucketsOf(e: Exposition, route: string, method: string): [string, number][] {
  return e.samples
    .filter((s) => s.name === 'gateway_http_request_duration_ms_bucket' && s.labels.route === route && s.labels.method === method)
    .map((s) => [s.labels.le as string, s.value]);
}

/** Cumulative counts of a series whose observations first fall in the buckets given (by bound index; BOUNDS.length - 1 for +Inf only). */
function cumulative(...firstBuckets: number[]): [string, number][] {
  return BOUNDS.map((le, i) => [le, firstBuckets.filter((b) => b <= i).length]);
}

function setUp() {
  const registry = new PoolRegistry({ validators: [VALIDATOR], business: [], slim: [SLIM] }, new SmoothWeightedBalancer());
  const rateLimits = new RateLimitCounters('memory', () => 'none');
  const metrics = createGatewayMetrics({ registry, rateLimits });
  return { registry, rateLimits, metrics, scrape: async () => parseExposition(await metrics.render()) };
}

describe('gateway metrics', () => {
  it('labels requests by their policy route, never by the raw path, so ids do not multiply series', () => {
    const rule = ROUTE_POLICY.find((r) => r.pattern === '/reviews/:id');
    if (rule === undefined) throw new Error('no /reviews/:id rule');
    expect(routeLabel(rule, '/api/v11/reviews/rev_1')).toBe('/api/v11/reviews/:id');
    expect(routeLabel(null, '/review/app.js')).toBe('/review/:file');
    expect(routeLabel(null, '/metrics')).toBe('/metrics');
    expect(routeLabel(null, '/wp-admin/setup.php')).toBe('unmatched');
  });

  it('reports each upstream’s breaker as 0 closed, 1 half-open, 2 open', async () => {
    const { registry, scrape } = setUp();
    const [validator, slim] = [registry.all().find((u) => u.url === VALIDATOR), registry.all().find((u) => u.url === SLIM)];
    if (validator === undefined || slim === undefined) throw new Error('upstreams missing');
    validator.breaker = 'open';
    slim.breaker = 'half_open';
    const e = await scrape();
    expect(valueOf(e, 'gateway_upstream_breaker_state', { pool: 'validators', upstream: VALIDATOR })).toBe(2);
    expect(valueOf(e, 'gateway_upstream_breaker_state', { pool: 'slim', upstream: SLIM })).toBe(1);
  });

  it('counts rate-limit rejections per limit as the limiter’s totals grow', async () => {
    const { rateLimits, scrape } = setUp();
    rateLimits.limited.auth = 3;
    expect(valueOf(await scrape(), 'gateway_rate_limit_rejections_total', { limit: 'auth' })).toBe(3);
    rateLimits.limited.auth = 5;
    rateLimits.limited.global = 1;
    const e = await scrape();
    expect(valueOf(e, 'gateway_rate_limit_rejections_total', { limit: 'auth' })).toBe(5);
    expect(valueOf(e, 'gateway_rate_limit_rejections_total', { limit: 'global' })).toBe(1);
    expect(e.types.get('gateway_rate_limit_rejections_total')).toBe('counter');
  });

  it('counts and times requests per route, method and status', async () => {
    const { metrics, scrape } = setUp();
    const rule = ROUTE_POLICY.find((r) => r.method === 'GET' && r.pattern === '/reviews');
    if (rule === undefined) throw new Error('no GET /reviews rule');
    metrics.observeRequest(rule, '/api/v11/reviews', 'GET', 200, performance.now());
    metrics.observeRequest(rule, '/api/v11/reviews', 'GET', 200, performance.now());
    metrics.observeRequest(rule, '/api/v11/reviews', 'GET', 403, performance.now());
    const e = await scrape();
    expect(valueOf(e, 'gateway_http_requests_total', { route: '/api/v11/reviews', method: 'GET', status: '200' })).toBe(2);
    expect(valueOf(e, 'gateway_http_requests_total', { route: '/api/v11/reviews', method: 'GET', status: '403' })).toBe(1);
    expect(valueOf(e, 'gateway_http_request_duration_ms_count', { route: '/api/v11/reviews', method: 'GET' })).toBe(3);
  });

  it('shows in a scrape exactly the requests made: one count per route, method and status, and their latencies in the right buckets', async () => {
    const { metrics, scrape } = setUp();
    const reviews = ruleOf('GET', '/reviews');
    metrics.observeRequest(reviews, '/api/v11/reviews', 'GET', 200, startedAgo(0)); // le 1
    metrics.observeRequest(reviews, '/api/v11/reviews', 'GET', 200, startedAgo(3)); // le 5
    metrics.observeRequest(reviews, '/api/v11/reviews', 'GET', 403, startedAgo(40)); // le 50
    // Two rules of one pattern share its route label.
    metrics.observeRequest(ruleOf('GET', '/external/feeds'), '/api/v11/external/feeds', 'GET', 200, startedAgo(7)); // le 10
    metrics.observeRequest(ruleOf('POST', '/external/feeds'), '/api/v11/external/feeds', 'POST', 201, startedAgo(60_000)); // +Inf only
    metrics.observeRequest(null, '/metrics', 'GET', 200, startedAgo(0));
    metrics.observeRequest(null, '/wp-login.php', 'POST', 404, startedAgo(0));

    const e = await scrape();
    const counts = e.samples.filter((s) => s.name === 'gateway_http_requests_total').map((s) => [s.labels, s.value]);
    expect(counts).toEqual([
      [{ route: '/api/v11/reviews', method: 'GET', status: '200' }, 2],
      [{ route: '/api/v11/reviews', method: 'GET', status: '403' }, 1],
      [{ route: '/api/v11/external/feeds', method: 'GET', status: '200' }, 1],
      [{ route: '/api/v11/external/feeds', method: 'POST', status: '201' }, 1],
      [{ route: '/metrics', method: 'GET', status: '200' }, 1],
      [{ route: 'unmatched', method: 'POST', status: '404' }, 1],
    ]);
    expect(bucketsOf(e, '/api/v11/reviews', 'GET')).toEqual(cumulative(0, 2, 5));
    expect(bucketsOf(e, '/api/v11/external/feeds', 'GET')).toEqual(cumulative(3));
    expect(bucketsOf(e, '/api/v11/external/feeds', 'POST')).toEqual(cumulative(BOUNDS.length - 1));
    expect(bucketsOf(e, '/metrics', 'GET')).toEqual(cumulative(0));
    expect(bucketsOf(e, 'unmatched', 'POST')).toEqual(cumulative(0));
    expect(e.samples.filter((s) => s.name === 'gateway_http_request_duration_ms_bucket').length).toBe(5 * BOUNDS.length);
    const sum = valueOf(e, 'gateway_http_request_duration_ms_sum', { route: '/api/v11/reviews', method: 'GET' }) ?? 0;
    expect(sum).toBeGreaterThanOrEqual(43);
    expect(sum).toBeLessThan(43 + 1);
    expect(valueOf(e, 'gateway_http_request_duration_ms_count', { route: '/api/v11/reviews', method: 'GET' })).toBe(3);
    expect(e.types.get('gateway_http_requests_total')).toBe('counter');
    expect(e.types.get('gateway_http_request_duration_ms')).toBe('histogram');
  });

  it('keeps counting after a scrape: a later scrape shows the totals since start-up', async () => {
    const { metrics, scrape } = setUp();
    const reviews = ruleOf('GET', '/reviews');
    metrics.observeRequest(reviews, '/api/v11/reviews', 'GET', 200, startedAgo(0));
    await scrape();
    metrics.observeRequest(reviews, '/api/v11/reviews', 'GET', 200, startedAgo(3));
    const e = await scrape();
    expect(valueOf(e, 'gateway_http_requests_total', { route: '/api/v11/reviews', method: 'GET', status: '200' })).toBe(2);
    expect(bucketsOf(e, '/api/v11/reviews', 'GET')).toEqual(cumulative(0, 2));
  });

  it('merges the request series of several processes (as the cluster’s primary does) by summing counts and buckets', async () => {
    const [one, two] = [setUp(), setUp()];
    const reviews = ruleOf('GET', '/reviews');
    one.metrics.observeRequest(reviews, '/api/v11/reviews', 'GET', 200, startedAgo(0));
    two.metrics.observeRequest(reviews, '/api/v11/reviews', 'GET', 200, startedAgo(3));
    two.metrics.observeRequest(reviews, '/api/v11/reviews', 'GET', 502, startedAgo(40));
    const merged = AggregatorRegistry.aggregate([await one.metrics.snapshot(), await two.metrics.snapshot()]);
    const e = parseExposition(await merged.metrics());
    expect(valueOf(e, 'gateway_http_requests_total', { route: '/api/v11/reviews', method: 'GET', status: '200' })).toBe(2);
    expect(valueOf(e, 'gateway_http_requests_total', { route: '/api/v11/reviews', method: 'GET', status: '502' })).toBe(1);
    expect(bucketsOf(e, '/api/v11/reviews', 'GET')).toEqual(cumulative(0, 2, 5));
  });
});
