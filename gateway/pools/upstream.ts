import type { PoolName } from '../routing/policy.ts';

/** `unknown` until the first probe answers; it counts as healthy so the first request after start-up is served. */
export type UpstreamHealth = 'unknown' | 'up' | 'degraded' | 'down';

/** The node's circuit breaker, as the proxy's breakers last set it. */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface ProbeResult {
  status: 'up' | 'degraded' | 'down';
  /** Null when no answer came (refused, timed out). */
  latencyMs: number | null;
  checkedAt: Date;
  /** What the upstream said about itself (its own health details). */
  details?: Record<string, unknown>;
  /** Why the probe failed, for operators. */
  error?: string;
}

/** One node the gateway forwards to. */
export class Upstream {
  health: UpstreamHealth = 'unknown';
  lastProbe: ProbeResult | null = null;
  breaker: BreakerState = 'closed';

  constructor(
    readonly pool: PoolName,
    /** Base URL as configured, e.g. `http://127.0.0.1:9003`. */
    readonly url: string,
  ) {}

  /** May this member receive requests? Everything but a failed probe or an open breaker says yes (half-open: one trial). */
  get eligible(): boolean {
    return this.health !== 'down' && this.breaker !== 'open';
  }

  recordProbe(result: ProbeResult): void {
    this.lastProbe = result;
    this.health = result.status;
  }
}
