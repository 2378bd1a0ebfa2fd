/**
 * Prometheus metrics every role shares: one registry per role instance (several roles share a
 * process in tests and `npm start`, and must not mix series), the process's own metrics (CPU,
 * memory, event loop, GC) collected once per process, and the `/metrics` route.
 */
import type { Env, Hono } from 'hono';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Latency buckets in milliseconds: from a cache hit to a slow external API or a block commit. */
export const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000];

let processRegistry: Registry | undefined;

/** The process's own metrics, registered on first use. */
export function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The text exposition of a role's metrics followed by the process's. */
export async function exposition(render: () => Promise<string>): Promise<string> {
  const [own, processOwn] = await Promise.all([render(), processMetrics().metrics()]);
  return `${own}\n${processOwn}`;
}

/** The Prometheus text format's content type (what every registry reports). */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/**
 * `GET /metrics` without a token, as Prometheus scrapes: the metrics hold counts and timings, no
 * data. Mounted outside the API prefix, next to the liveness route.
 */
export function metricsRoute<E extends Env>(app: Hono<E>, render: () => Promise<string>): void {
  metricsTextRoute(app, () => exposition(render));
}

/** `GET /metrics` serving a whole exposition from elsewhere (a gateway worker serves every worker's, merged). */
export function metricsTextRoute<E extends Env>(app: Hono<E>, text: () => Promise<string>): void {
  app.get('/metrics', async (c) => c.body(await text(), 200, { 'content-type': METRICS_CONTENT_TYPE }));
}
