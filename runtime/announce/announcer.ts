import type { NodeAnnouncement } from '../../schemas/index.ts';
import type { Logger } from '../logger.ts';
import type { AnnouncementDirectory } from './directory.ts';

export interface AnnouncerTiming {
  /** A heartbeat every this long; the next is scheduled when the last one ends, so they never pile up. */
  intervalMs: number;
  /** How long one heartbeat or the withdrawal at shutdown may take (after which the TTL does the work). */
  callTimeoutMs: number;
}

/**
 * A node's side of self-registration: it announces itself now and every interval, so a gateway
 * sees a node started later within about one poll; on a graceful stop it withdraws, so it leaves
 * at once instead of after its TTL. A failed heartbeat is logged once per outage, never fatal.
 */
export class Announcer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private beat: Promise<void> | undefined;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly directory: AnnouncementDirectory,
    readonly announcement: NodeAnnouncement,
    private readonly timing: AnnouncerTiming,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.stopped || this.timer !== undefined || this.beat !== undefined) return;
    this.logger.info({ directory: this.directory.kind, pool: this.announcement.pool, url: this.announcement.url, nodeId: this.announcement.nodeId }, 'announcing this node');
    this.runBeat();
  }

  /** Stops the heartbeats, withdraws the announcement (bounded) and closes the directory. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.beat;
    try {
      await withTimeout(this.directory.withdraw(this.announcement.nodeId), this.timing.callTimeoutMs);
    } catch (err) {
      this.logger.warn({ err }, 'could not withdraw the announcement; it expires with its TTL');
    } finally {
      await this.directory.close().catch(() => {});
    }
  }

  private runBeat(): void {
    this.beat = withTimeout(this.directory.announce(this.announcement), this.timing.callTimeoutMs).then(
      () => {
        if (this.failing) this.logger.info({ directory: this.directory.kind }, 'announcements reach the directory again');
        this.failing = false;
      },
      (err: unknown) => {
        if (!this.failing) this.logger.warn({ err, directory: this.directory.kind }, 'announcement failed; retrying every interval');
        this.failing = true;
      },
    );
    void this.beat.then(() => {
      this.beat = undefined;
      if (!this.stopped) this.timer = setTimeout(() => this.runBeat(), this.timing.intervalMs);
    });
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
