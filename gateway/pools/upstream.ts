import type { PoolName } from '../routing/policy.ts';
import { freshOutlierState, isEjected, type OutlierState } from './outlier.ts';

/** `unknown` until the first probe answers; it counts as healthy so the first request after start-up is served. */
export type UpstreamHealth = 'unknown' | 'up' | 'degraded' | 'down';

/** The node's circuit breaker, as the proxy's breakers last set it. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** `config`: listed in the gateway's configuration, never leaves; `announced`: joined by heartbeat, leaves when they stop. */
export type MemberSource = 'config' | 'announced';

export interface ProbeResult {
  status: 'up' | 'degraded' | 'down';
  /** Null when no answer came (refused, timed out). */
  latencyMs: number | null;
  checkedAt: Date;
  /** What the upstream said about itself (its own health details). */
  details?: Record<string, unknown>;
  /** How long the upstream's process has run, as it said. */
  uptimeMs?: number;
  /** Why the probe failed, for operators. */
  error?: string;
}

/** Weight of a member nobody gave one: configured members, and announcements that say nothing else. */
export const DEFAULT_WEIGHT = 1;

/** One node the gateway forwards to. */
export class Upstream {
  health: UpstreamHealth = 'unknown';
  lastProbe: ProbeResult | null = null;
  breaker: BreakerState = 'closed';
  outlier: OutlierState = freshOutlierState();
  /** Share of its pool's traffic relative to the other members. */
  weight = DEFAULT_WEIGHT;
  /** The announcing node, and when its latest announcement runs out; null while it does not announce. */
  nodeId: string | null = null;
  expiresAt: Date | null = null;

  constructor(
    readonly pool: PoolName,
    /** Base URL without a trailing slash, e.g. `http://127.0.0.1:9003`. */
    readonly url: string,
    readonly source: MemberSource = 'config',
  ) {}

  /** May this member receive requests? Not after a failed probe, with its breaker open, or while ejected (half-open: one trial). */
  isEligible(nowMs: number): boolean {
    return this.health !== 'down' && this.breaker !== 'open' && !isEjected(this.outlier, nowMs);
  }

  recordProbe(result: ProbeResult): void {
    this.lastProbe = result;
    this.health = result.status;
  }
}
