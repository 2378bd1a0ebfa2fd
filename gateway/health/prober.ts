import type { Logger } from '../../runtime/logger.ts';
import type { UpstreamRegistry } from '../pools/registry.ts';
import type { Upstream } from '../pools/upstream.ts';
import type { Probe } from './probe.ts';

/**
 * Active health checks: every member is probed each interval, all in parallel; a round that is
 * still running when the next is due is not doubled (its probes time out before long anyway).
 * Members come and go with their announcements: each round probes the members of the moment.
 */
export class HealthProber {
  private timer: ReturnType<typeof setInterval> | undefined;
  private round: Promise<void> | undefined;

  constructor(
    private readonly registry: UpstreamRegistry,
    private readonly probe: Probe,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts probing now and then every interval. */
  start(): void {
    if (this.timer !== undefined) return;
    void this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), this.intervalMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round over every member; concurrent callers share the round in flight. */
  probeAll(): Promise<void> {
    this.round ??= this.runRound().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  /** Waits for a verdict on members never probed yet (right after start-up), so a report never says "unknown". */
  async ensureChecked(): Promise<void> {
    if (this.registry.all().some((u) => u.health === 'unknown')) await this.probeAll();
  }

  /** Probes one member now (one that just joined), outside the rounds. */
  async probeOne(upstream: Upstream): Promise<void> {
    const before = upstream.health;
    const result = await this.probe(upstream);
    upstream.recordProbe(result);
    if (before === result.status) return;
    const fields = { pool: upstream.pool, url: upstream.url, from: before, to: result.status, error: result.error };
    if (result.status === 'down') this.logger.warn(fields, 'upstream is down');
    else this.logger.info(fields, `upstream is ${result.status}`);
  }

  private async runRound(): Promise<void> {
    await Promise.all(this.registry.all().map((upstream) => this.probeOne(upstream)));
  }
}
