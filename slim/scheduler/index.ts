import type { Logger } from '../../runtime/logger.ts';
import type { Clock } from '../clock.ts';

export { shouldPublish, deviationBps, type PublicationRule, type PublicationInput } from './publish.ts';
export { isUsEquitySessionOpen, US_MARKET_HOLIDAYS, US_MARKET_EARLY_CLOSES } from './market-hours.ts';

/** What the scheduler needs to know of a feed. */
export interface ScheduledFeed {
  id: string;
  intervalMs: number;
}

/** Each fetch is moved by up to ±10% of the interval, so feeds registered together do not fetch in lock-step. */
export const JITTER_RATIO = 0.1;
/** After a restart, first fetches are spread over at most this long instead of all firing at once. */
export const STARTUP_SPREAD_MS_MAX = 5_000;

export function jitteredDelayMs(intervalMs: number, random: () => number, ratio = JITTER_RATIO): number {
  return Math.round(intervalMs * (1 + ratio * (2 * random() - 1)));
}

interface Entry {
  feed: ScheduledFeed;
  cancelTimer: (() => void) | null;
}

/** What the scheduler needs of the lease table (slim/leases): several workers share feeds without double work. */
export interface SchedulerLeases {
  /** Acquires or renews one feed's lease right before its fetch; false while another live worker holds it. */
  hold(feedId: string): Promise<boolean>;
  /** Renews the held leases of the scheduled feeds. */
  renew(feedIds: Iterable<string>): Promise<void>;
  readonly renewEveryMs: number;
}

export interface SchedulerOptions {
  clock: Clock;
  random: () => number;
  /** One fetch of one feed. Rejections are logged; the schedule continues. */
  job: (feedId: string) => Promise<unknown>;
  /** The feeds to schedule at start-up: every active pull feed in storage. */
  loadFeeds: () => Promise<ScheduledFeed[]>;
  logger: Logger;
  /**
   * With leases, a feed is fetched only while this worker holds its lease, and every renewal
   * round also schedules the active feeds registered on other workers since start-up.
   * Without, every scheduled feed is fetched (one worker alone).
   */
  leases?: SchedulerLeases;
}

/**
 * One timer per active pull feed. A feed's next fetch is armed only after its current one
 * finished, so one feed is never fetched twice at once; changes apply immediately.
 */
export class FeedScheduler {
  private readonly entries = new Map<string, Entry>();
  /** Fetches in progress, by feed: survives removal of the entry so a quick resume cannot overlap them. */
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;
  private cancelHousekeeping: (() => void) | null = null;
  /** The lease renewal round in progress, if any: `whenIdle` waits for it too. */
  private housekeeping: Promise<void> | null = null;

  constructor(private readonly options: SchedulerOptions) {}

  async start(): Promise<void> {
    const feeds = await this.options.loadFeeds();
    for (const feed of feeds) {
      this.schedule(feed, { firstDelayMs: this.options.random() * Math.min(feed.intervalMs, STARTUP_SPREAD_MS_MAX) });
    }
    this.options.logger.info({ feeds: feeds.length }, 'scheduler started');
    this.armHousekeeping();
  }

  /**
   * Adds a feed or applies a new interval. `firstDelayMs` fetches sooner than one interval
   * (0 on registration and resume: the provider wants to see data now).
   */
  schedule(feed: ScheduledFeed, opts: { firstDelayMs?: number } = {}): void {
    if (this.stopped) return;
    const existing = this.entries.get(feed.id);
    if (existing !== undefined) {
      const intervalChanged = existing.feed.intervalMs !== feed.intervalMs;
      existing.feed = feed;
      // A fetch in flight re-arms itself with the new interval when it finishes.
      if (existing.cancelTimer !== null && (intervalChanged || opts.firstDelayMs !== undefined)) {
        existing.cancelTimer();
        this.arm(existing, opts.firstDelayMs ?? this.delayMs(feed));
      }
      return;
    }
    const entry: Entry = { feed, cancelTimer: null };
    this.entries.set(feed.id, entry);
    this.arm(entry, opts.firstDelayMs ?? this.delayMs(feed));
  }

  /** Stops fetching a feed (paused, or no longer a pull feed). A fetch in flight finishes but is not followed by another. */
  unschedule(feedId: string): void {
    const entry = this.entries.get(feedId);
    if (entry === undefined) return;
    entry.cancelTimer?.();
    this.entries.delete(feedId);
  }

  isScheduled(feedId: string): boolean {
    return this.entries.has(feedId);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Resolves once no fetch is in flight. */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0 || this.housekeeping !== null) {
      await Promise.all([...this.running.values(), this.housekeeping]);
      // Let the finished fetches' own continuations (bookkeeping, re-arming) run first.
      await Promise.resolve();
    }
  }

  /** Cancels every timer and waits for the fetches in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelHousekeeping?.();
    this.cancelHousekeeping = null;
    for (const entry of this.entries.values()) entry.cancelTimer?.();
    this.entries.clear();
    await this.whenIdle();
  }

  private delayMs(feed: ScheduledFeed): number {
    return jitteredDelayMs(feed.intervalMs, this.options.random);
  }

  private arm(entry: Entry, delayMs: number): void {
    entry.cancelTimer = this.options.clock.setTimer(delayMs, () => {
      entry.cancelTimer = null;
      void this.fire(entry);
    });
  }

  private async fire(entry: Entry): Promise<void> {
    const id = entry.feed.id;
    // An earlier entry of this feed (before a pause and resume) may still be fetching: never overlap it.
    const previous = this.running.get(id);
    if (previous !== undefined) await previous;
    if (this.stopped || this.entries.get(id) !== entry) return;
    const run = this.runJob(id);
    this.running.set(id, run);
    await run;
    if (this.running.get(id) === run) this.running.delete(id);
    if (!this.stopped && this.entries.get(id) === entry) this.arm(entry, this.delayMs(entry.feed));
  }

  private armHousekeeping(): void {
    const leases = this.options.leases;
    if (leases === undefined || this.stopped) return;
    this.cancelHousekeeping = this.options.clock.setTimer(leases.renewEveryMs, () => {
      this.cancelHousekeeping = null;
      const round = this.renewAndSync(leases).finally(() => {
        if (this.housekeeping === round) this.housekeeping = null;
        this.armHousekeeping();
      });
      this.housekeeping = round;
    });
  }

  /**
   * Renews the leases of the scheduled feeds, then schedules active feeds this worker does not
   * know yet (registered on another worker, perhaps one that died since). Feeds are only added
   * here, never removed: a feed paused elsewhere is skipped by the job, which re-reads it.
   */
  private async renewAndSync(leases: SchedulerLeases): Promise<void> {
    try {
      await leases.renew(this.entries.keys());
      const feeds = await this.options.loadFeeds();
      for (const feed of feeds) {
        if (this.stopped || this.entries.has(feed.id)) continue;
        this.schedule(feed, { firstDelayMs: this.options.random() * Math.min(feed.intervalMs, STARTUP_SPREAD_MS_MAX) });
      }
    } catch (err) {
      // A missed round is survivable: leases last three rounds, and the next one retries.
      this.options.logger.warn({ err }, 'lease renewal round failed');
    }
  }

  private async runJob(feedId: string): Promise<void> {
    try {
      const leases = this.options.leases;
      if (leases !== undefined && !(await leases.hold(feedId))) {
        this.options.logger.debug({ feedId }, 'feed leased by another worker: not fetched');
        return;
      }
      await this.options.job(feedId);
    } catch (err) {
      this.options.logger.error({ feedId, err }, 'scheduled fetch failed unexpectedly');
    }
  }
}
