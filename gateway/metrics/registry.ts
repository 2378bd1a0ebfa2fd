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

const BOUNDS = LATENCY_BUCKETS_MS.length;

/** The requests answered with one status, for one route and method. */
interface RequestSeries {
  readonly labels: { route: string; method: string; status: string };
  count: number;
}

/** The latencies of one route and method: how many fell in each bucket (not cumulative), their sum and count. */
interface LatencySeries {
  readonly labels: { route: string; method: string };
  readonly buckets: number[];
  sum: number;
  count: number;
  readonly statuses: Map<number, RequestSeries>;
}

interface RouteSeries {
  readonly label: string;
  readonly methods: Map<string, LatencySeries>;
}

const newMethodSeries = (route: string, method: string): LatencySeries => ({
  labels: { route, method },
  buckets: new Array<number>(BOUNDS).fill(0),
  sum: 0,
  count: 0,
  statuses: new Map(),
});

/**
 * How prom-client (15.x) keeps a histogram's series, which the latency histogram's collect()
 * replaces: it has no public way to set bucket counts. The metrics test pins the exposition this
 * gives, so an upgrade that changes it fails there.
 */
interface HistogramStore {
  hashMap: Record<string, { labels: Record<string, string>; bucketValues: Record<number, number>; sum: number; count: number }>;
}

export function createGatewayMetrics(sources: GatewayMetricsSources): GatewayMetrics {
  /**
   * Requests are counted and timed in plain numbers, handed to prom-client only at a scrape
   * (collect()): its inc/observe validate and hash the labels on every call, bound series too.
   * Series appear in the order first seen, as prom-client lists them. Bounded like the labels:
   * routes of the policy, a few own paths, `unmatched`.
   */
  const routes = new Map<string, RouteSeries>();
  // A WeakMap: a rule replaced in the policy takes its entry with it.
  const routeOfRule = new WeakMap<RouteRule, RouteSeries>();
  const requestSeries: RequestSeries[] = [];
  const latencySeries: LatencySeries[] = [];

  const registry = new Registry();
  const requests: Counter<'route' | 'method' | 'status'> = new Counter({
    name: 'gateway_http_requests_total',
    help: 'Requests answered by the gateway, by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
    collect() {
      requests.reset();
      for (const series of requestSeries) requests.inc({ ...series.labels }, series.count);
    },
  });
  const latency: Histogram<'route' | 'method'> = new Histogram({
    name: 'gateway_http_request_duration_ms',
    help: 'Time from a request’s arrival until its answer’s headers, in milliseconds, by route and method.',
    labelNames: ['route', 'method'],
    buckets: LATENCY_BUCKETS_MS,
    registers: [registry],
    collect() {
      const store: HistogramStore['hashMap'] = {};
      for (const series of latencySeries) {
        const bucketValues: Record<number, number> = {};
        for (let i = 0; i < BOUNDS; i++) bucketValues[LATENCY_BUCKETS_MS[i] as number] = series.buckets[i] as number;
        store[`${series.labels.route} ${series.labels.method}`] = { labels: { ...series.labels }, bucketValues, sum: series.sum, count: series.count };
      }
      (latency as unknown as HistogramStore).hashMap = store;
    },
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
      const elapsedMs = performance.now() - startedMs;
      let route = rule === null ? undefined : routeOfRule.get(rule);
      if (route === undefined) {
        const label = routeLabel(rule, path);
        route = routes.get(label);
        if (route === undefined) {
          route = { label, methods: new Map() };
          routes.set(label, route);
        }
        if (rule !== null) routeOfRule.set(rule, route);
      }
      let series = route.methods.get(method);
      if (series === undefined) {
        series = newMethodSeries(route.label, method);
        route.methods.set(method, series);
        latencySeries.push(series);
      }
      let answered = series.statuses.get(status);
      if (answered === undefined) {
        answered = { labels: { route: route.label, method, status: String(status) }, count: 0 };
        series.statuses.set(status, answered);
        requestSeries.push(answered);
      }
      answered.count += 1;
      series.count += 1;
      series.sum += elapsedMs;
      // Past the last bound only the count (+Inf) grows, as in prom-client.
      for (let i = 0; i < BOUNDS; i++) {
        if (elapsedMs <= (LATENCY_BUCKETS_MS[i] as number)) {
          series.buckets[i] = (series.buckets[i] as number) + 1;
          break;
        }
      }
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
