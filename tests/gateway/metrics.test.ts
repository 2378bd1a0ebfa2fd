import { describe, expect, it } from 'vitest';
import { createGatewayMetrics, routeLabel } from '../../gateway/metrics/registry.ts';
import { SmoothWeightedBalancer } from '../../gateway/pools/balancer.ts';
import { PoolRegistry } from '../../gateway/pools/registry.ts';
import { RateLimitCounters } from '../../gateway/rate-limit/stats.ts';
import { ROUTE_POLICY } from '../../gateway/routing/policy.ts';
import { parseExposition, valueOf } from '../support/prometheus.ts';

const VALIDATOR = 'http://127.0.0.1:19003';
const SLIM = 'http://127.0.0.1:19013';

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
});
