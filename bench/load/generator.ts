/**
 * An open-model load generator: requests leave at a fixed rate whether or not earlier ones were
 * answered (a closed loop would slow down with the target and hide its queueing), each timed
 * from the moment it was due. Bounded: at most IN_FLIGHT_MAX outstanding, each with a timeout.
 */
import { Pool } from 'undici';
import { dueAtMs, percentile, summarizeStage, type Outcome, type StageReport } from './stats.ts';

export interface LoadRequest {
  route: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface StageOptions {
  targetRps: number;
  durationS: number;
  /** The next request of the mix, built when it is due (fresh nonces and timestamps). */
  next: () => LoadRequest;
}

/** Per route: requests, errors, 429s, every answer's status (what the errors were), and its answers' latency. */
export interface RouteCounts {
  requests: number;
  errors: number;
  limited: number;
  statuses: Record<number, number>;
  p50Ms: number;
  p99Ms: number;
}

/** Past this many outstanding requests the target is saturated: further ones are counted, not sent. */
const IN_FLIGHT_MAX = 1_024;
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * A connection per request in flight, as that many separate clients would have: a request never
 * waits in the generator for a busy connection, so what queues, queues at the gateway.
 */
const CONNECTIONS_MAX = IN_FLIGHT_MAX;
/** The scheduler wakes at least this often; requests due meanwhile leave together. */
const TICK_MS = 2;

export class OpenLoadGenerator {
  private readonly pool: Pool;

  constructor(origin: string) {
    this.pool = new Pool(origin, { connections: CONNECTIONS_MAX, keepAliveTimeout: 30_000, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  }

  async runStage(options: StageOptions): Promise<StageReport & { byRoute: Record<string, RouteCounts> }> {
    const total = Math.round(options.targetRps * options.durationS);
    const outcomes: Outcome[] = [];
    const byRoute: Record<string, RouteCounts> = {};
    const latenciesByRoute = new Map<string, number[]>();
    const pending = new Set<Promise<void>>();
    const start = performance.now();
    let lastAnswerAt = start;
    let sent = 0;
    while (sent < total) {
      const elapsed = performance.now() - start;
      while (sent < total && dueAtMs(sent, options.targetRps) <= elapsed) {
        const dueAt = start + dueAtMs(sent, options.targetRps);
        sent += 1;
        const request = options.next();
        const route = (byRoute[request.route] ??= { requests: 0, errors: 0, limited: 0, statuses: {}, p50Ms: 0, p99Ms: 0 });
        route.requests += 1;
        if (pending.size >= IN_FLIGHT_MAX) {
          outcomes.push({ kind: 'dropped' });
          route.errors += 1;
          continue;
        }
        const done = this.send(request).then((status) => {
          const now = performance.now();
          lastAnswerAt = Math.max(lastAnswerAt, now);
          if (status === null) {
            outcomes.push({ kind: 'failed', latencyMs: now - dueAt });
            route.errors += 1;
            return;
          }
          outcomes.push({ kind: 'answered', status, latencyMs: now - dueAt });
          const latencies = latenciesByRoute.get(request.route) ?? [];
          latencies.push(now - dueAt);
          latenciesByRoute.set(request.route, latencies);
          route.statuses[status] = (route.statuses[status] ?? 0) + 1;
          if (status === 429) route.limited += 1;
          else if (status < 200 || status >= 300) route.errors += 1;
        });
        pending.add(done);
        void done.finally(() => pending.delete(done));
      }
      const nextDue = sent < total ? dueAtMs(sent, options.targetRps) - (performance.now() - start) : 0;
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(TICK_MS, nextDue))));
    }
    await Promise.all(pending);
    for (const [name, latencies] of latenciesByRoute) {
      const sorted = latencies.sort((a, b) => a - b);
      byRoute[name]!.p50Ms = Math.round(percentile(sorted, 50));
      byRoute[name]!.p99Ms = Math.round(percentile(sorted, 99));
    }
    return { ...summarizeStage(options.targetRps, outcomes, lastAnswerAt - start), byRoute };
  }

  /** The HTTP status, or null when no answer came (refused, reset, timed out). */
  private async send(request: LoadRequest): Promise<number | null> {
    try {
      const res = await this.pool.request({
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body ?? null,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await res.body.dump();
      return res.statusCode;
    } catch {
      return null;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
