import type { Logger } from '../../runtime/logger.ts';

/** After a failed call, Redis is not asked again for this long: a hung Redis must not cost every request a timeout. */
export const REDIS_RETRY_AFTER_MS = 1_000;
/** While Redis stays down, one reminder (with the count of failed-over decisions) at most this often. */
export const REDIS_DOWN_LOG_INTERVAL_MS = 30_000;

/**
 * Whether the limiters should ask Redis now, shared by all of them. Down on a failed call (or
 * while the client is not connected), retried after REDIS_RETRY_AFTER_MS; up again on the first
 * call that succeeds. Logs the transitions and a periodic reminder, never a line per request.
 */
export class RedisHealth {
  private downSinceMs: number | null = null;
  private retryAtMs = 0;
  private lastLogMs = 0;
  private failoversSinceLog = 0;

  constructor(
    private readonly connected: () => boolean,
    private readonly logger: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {}

  get state(): 'up' | 'down' {
    return this.downSinceMs === null && this.connected() ? 'up' : 'down';
  }

  /** False while Redis is known down and its retry time has not come. */
  shouldTry(): boolean {
    if (!this.connected()) return false;
    return this.downSinceMs === null || this.nowMs() >= this.retryAtMs;
  }

  succeeded(): void {
    if (this.downSinceMs === null) return;
    this.logger.info({ downMs: this.nowMs() - this.downSinceMs, failovers: this.failoversSinceLog }, 'redis rate limiting is back');
    this.downSinceMs = null;
    this.failoversSinceLog = 0;
  }

  failed(err: unknown): void {
    const now = this.nowMs();
    this.retryAtMs = now + REDIS_RETRY_AFTER_MS;
    if (this.downSinceMs !== null) return;
    this.downSinceMs = now;
    this.lastLogMs = now;
    this.logger.warn({ err }, 'redis rate limiting failed: global and per-key limits count in this process, /auth/* is refused until it is back');
  }

  /** A decision taken without Redis (failed open or closed). */
  failedOver(): void {
    const now = this.nowMs();
    this.failoversSinceLog += 1;
    if (this.downSinceMs === null) {
      // Not connected before any call failed (at start-up, or after the connection dropped).
      this.downSinceMs = now;
      this.lastLogMs = now;
      this.logger.warn('redis is not connected: global and per-key limits count in this process, /auth/* is refused until it is');
      return;
    }
    if (now - this.lastLogMs >= REDIS_DOWN_LOG_INTERVAL_MS) {
      this.logger.warn({ downMs: now - this.downSinceMs, failovers: this.failoversSinceLog }, 'redis rate limiting still down');
      this.lastLogMs = now;
    }
  }
}
