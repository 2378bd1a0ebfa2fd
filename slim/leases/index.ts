import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { LeaseStore } from './store.ts';

export { LeaseStore, LEASE_BATCH_MAX } from './store.ts';

/** A worker's identity in the lease table: random per process start, so a restarted worker is a new holder. */
export function newWorkerId(): string {
  return `slim_${randomBytes(8).toString('hex')}`;
}

/**
 * One worker's leases. `hold` is asked right before each fetch and acquires or renews that
 * feed's lease to a full TTL, so a fetch always starts with a whole TTL ahead of it; `renew`
 * runs every TTL/3 so a live worker keeps its feeds between fetches.
 *
 * Correctness rests on two assumptions, stated here because nothing checks them: worker clocks
 * agree to well within the TTL, and one fetch (bounded by FETCH_TIMEOUT_MS) ends within the TTL.
 */
export class FeedLeaseKeeper {
  /** Leases this worker believes it holds, with their expiry (ms on the worker's clock). */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly deps: {
      store: LeaseStore;
      workerId: string;
      ttlMs: number;
      clock: Clock;
    },
  ) {
    if (!(deps.ttlMs > 0)) throw new RangeError(`lease TTL must be positive, got ${deps.ttlMs}`);
  }

  get workerId(): string {
    return this.deps.workerId;
  }

  /** How often held leases are renewed: three renewals per TTL, so one lost round does not lose them. */
  get renewEveryMs(): number {
    return Math.max(1, Math.floor(this.deps.ttlMs / 3));
  }

  /** Acquires or renews the lease of one feed; false while another live worker holds it. */
  async hold(feedId: string): Promise<boolean> {
    const held = await this.acquire([feedId]);
    return held.has(feedId);
  }

  /** Renews the leases of `feedIds` this worker holds (the scheduled ones); the others are forgotten and lapse. */
  async renew(feedIds: Iterable<string>): Promise<void> {
    const wanted = new Set(feedIds);
    for (const id of [...this.held.keys()]) if (!wanted.has(id)) this.held.delete(id);
    if (this.held.size === 0) return;
    await this.acquire([...this.held.keys()]);
  }

  /** Feed ids this worker holds an unexpired lease of, at its clock's now. */
  heldFeedIds(): string[] {
    const nowMs = this.deps.clock.now().getTime();
    return [...this.held.entries()].filter(([, expiresAtMs]) => expiresAtMs > nowMs).map(([id]) => id);
  }

  /** Graceful stop: gives every lease back at once. A worker that dies skips this, and its leases expire. */
  async releaseAll(): Promise<void> {
    const ids = [...this.held.keys()];
    this.held.clear();
    if (ids.length > 0) await this.deps.store.release(ids, this.deps.workerId);
  }

  private async acquire(feedIds: string[]): Promise<Set<string>> {
    const now = this.deps.clock.now();
    const expiresAtMs = now.getTime() + this.deps.ttlMs;
    const held = await this.deps.store.acquire(feedIds, this.deps.workerId, now, new Date(expiresAtMs));
    for (const id of feedIds) {
      if (held.has(id)) this.held.set(id, expiresAtMs);
      else this.held.delete(id);
    }
    return held;
  }
}
