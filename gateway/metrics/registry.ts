/**
 * The gateway's Prometheus metrics: requests and their latency per route (both serving paths
 * report here), and, read at each scrape, rate-limit rejections per limit and every upstream's
 * breaker state and health.
 */
import { Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { LATENCY_BUCKETS_MS } from '../../runtime/metrics.ts';
import type { UpstreamRegistry } from '../pools/registry.ts';
import type { RateLimitCounters } from '../rate-limit/stats.ts';
import { API_PREFIX, type RouteRule } from '../routing/policy.ts';

/** What the metrics read at a scrape. */
export interface GatewayMetricsSources {
  registry: UpstreamRegistry;
  rateLimits: RateLimitCounters;
}

export interface GatewayMetrics {
  /** One finished request: its route (null when none matched), method, status and when it started (performance.now()). */
  observeRequest(rule: RouteRule | null, path: string, method: string, status: number, startedMs: number): void;
  render(): Promise<string>;
  /** The same series as render's, as prom-client's JSON (what a cluster's primary merges). */
  snapshot(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
}

const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** Paths the gateway serves outside the API, labelled as they are; anything else unrouted is one label (bounded series). */
const OWN_PATHS = new Set(['/metrics', '/livez', '/readyz', '/review']);

/** The route label: the policy pattern of a routed request, else one of the gateway's own paths, else `unmatched`. */
export function routeLabel(rule: RouteRule | null, path: string): string {
  if (rule !== null) return `${API_PREFIX}${rule.pattern}`;
  if (OWN_PATHS.has(path)) return path;
  if (path.startsWith('/review/')) return '/review/:file';
  return 'unmatched';
}

export function createGatewayMetrics(sources: GatewayMetricsSources): GatewayMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'Requests answered by the gateway, by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'gateway_http_request_duration_ms',
    help: 'Time from a request’s arrival until its answer’s headers, in milliseconds, by route and method.',
    labelNames: ['route', 'method'],
    buckets: LATENCY_BUCKETS_MS,
    registers: [registry],
  });
  const limited = new Counter({
    name: 'gateway_rate_limit_rejections_total',
    help: 'Requests refused with 429 since start-up, by limit (global, auth, tier).',
    labelNames: ['limit'],
    registers: [registry],
  });
  const breakers = new Gauge({
    name: 'gateway_upstream_breaker_state',
    help: 'Circuit breaker of each upstream: 0 closed, 1 half-open, 2 open.',
    labelNames: ['pool', 'upstream'],
    // Merged across gateway processes: the worst any of them sees.
    aggregator: 'max',
    registers: [registry],
  });
  const up = new Gauge({
    name: 'gateway_upstream_up',
    help: 'Whether the last health probe of each upstream found it serving (up or degraded: 1) or not (down or not yet probed: 0).',
    labelNames: ['pool', 'upstream'],
    // Merged across gateway processes (each probes on its own): up only if every one finds it up.
    aggregator: 'min',
    registers: [registry],
  });

  // The limiter keeps its own totals (for /stats); the counter follows them by their increase.
  const limitedSeen = new Map<string, number>();
  const syncLimited = (limit: string, total: number) => {
    const increase = total - (limitedSeen.get(limit) ?? 0);
    if (increase > 0) limited.inc({ limit }, increase);
    limitedSeen.set(limit, total);
  };

  /**
   * The labelled series of each route, method and status, bound once: prom-client would otherwise
   * validate and hash the label object on every request. Bounded like the series themselves
   * (routes of the policy, a few own paths, `unmatched`).
   */
  const seriesOf = new Map<string, { requests: Counter.Internal; latency: Histogram.Internal<'route' | 'method'> }>();

  /** What is read at a scrape rather than counted as it happens. */
  const syncGauges = () => {
    for (const [limit, count] of Object.entries(sources.rateLimits.limited)) syncLimited(limit, count);
    // Members come and go (announcements): only the current ones have series.
    breakers.reset();
    up.reset();
    for (const u of sources.registry.all()) {
      breakers.set({ pool: u.pool, upstream: u.url }, BREAKER_STATE_VALUE[u.breaker]);
      up.set({ pool: u.pool, upstream: u.url }, u.health === 'up' || u.health === 'degraded' ? 1 : 0);
    }
  };

  return {
    observeRequest(rule, path, method, status, startedMs) {
      const route = routeLabel(rule, path);
      const labelled = `${route} ${method} ${status}`;
      let series = seriesOf.get(labelled);
      if (series === undefined) {
        series = { requests: requests.labels({ route, method, status: String(status) }), latency: latency.labels({ route, method }) };
        seriesOf.set(labelled, series);
      }
      series.requests.inc();
      series.latency.observe(performance.now() - startedMs);
    },
    async render() {
      syncGauges();
      return registry.metrics();
    },
    async snapshot() {
      syncGauges();
      return registry.getMetricsAsJSON();
    },
  };
}
