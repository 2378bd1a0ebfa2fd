import type { AnnouncementDirectory, DirectoryKind } from '../../runtime/announce/directory.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { PoolRegistry } from './registry.ts';
import type { Upstream } from './upstream.ts';

export interface MembershipStatus {
  directory: DirectoryKind;
  lastSyncAt: Date | null;
  syncFailures: number;
  announced: number;
}

export interface MembershipHooks {
  /** A member joined: probe it now rather than at the next round. */
  joined(upstream: Upstream): void;
  /** A member left: drop what was kept for it (its breaker). */
  left(upstream: Upstream): void;
}

/**
 * Reads the live announcements every interval and applies them to the pools, so a node started
 * later gets traffic within about one interval and a stopped one leaves. A failed read keeps the
 * members as they are (a directory outage must not empty the pools); the prober still judges them.
 */
export class MembershipSync {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastSyncAt: Date | null = null;
  private syncFailures = 0;
  private failing = false;

  constructor(
    private readonly directory: AnnouncementDirectory,
    private readonly registry: PoolRegistry,
    private readonly intervalMs: number,
    private readonly hooks: MembershipHooks,
    private readonly logger: Logger,
  ) {}

  /** Reads once now (so the first requests already see announced nodes), then every interval. */
  async start(): Promise<void> {
    await this.syncNow();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One read and reconciliation; concurrent callers share the one in flight. */
  syncNow(): Promise<void> {
    this.running ??= this.sync().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  status(): MembershipStatus {
    return {
      directory: this.directory.kind,
      lastSyncAt: this.lastSyncAt,
      syncFailures: this.syncFailures,
      announced: this.registry.all().filter((u) => u.nodeId !== null).length,
    };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.syncNow().then(() => this.schedule());
    }, this.intervalMs);
  }

  private async sync(): Promise<void> {
    let live;
    try {
      live = await this.directory.live();
    } catch (err) {
      this.syncFailures++;
      if (!this.failing) this.logger.warn({ err, directory: this.directory.kind }, 'cannot read node announcements; pools stay as they are');
      this.failing = true;
      return;
    }
    if (this.failing) this.logger.info({ directory: this.directory.kind }, 'node announcements readable again');
    this.failing = false;
    this.lastSyncAt = new Date();
    const { added, removed } = this.registry.reconcile(live);
    for (const upstream of added) {
      this.logger.info({ pool: upstream.pool, url: upstream.url, nodeId: upstream.nodeId, weight: upstream.weight }, 'node joined its pool');
      this.hooks.joined(upstream);
    }
    for (const upstream of removed) {
      this.logger.info({ pool: upstream.pool, url: upstream.url }, 'node left its pool');
      this.hooks.left(upstream);
    }
  }
}
