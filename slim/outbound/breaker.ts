import CircuitBreaker from 'opossum';
import { AppError, isAppError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { SourceBreakerState } from '../../schemas/index.ts';
import { sourceStatusOf } from './retry.ts';
import { isDestinationRefusal } from './destination/index.ts';

export interface BreakerPolicy {
  /** How long an open breaker fails fast before letting one trial fetch through (half-open). */
  resetMs: number;
  /** Fetches in the rolling window before the failure rate is judged at all. */
  volumeMin: number;
  /** Failure rate (percent of fetches in the window) above which the breaker opens. */
  errorPercentMax: number;
  /** Length of the rolling window the rate is computed over. */
  windowMs: number;
}

/** What a feed's status shows of its source's breaker. */
export interface BreakerView {
  state: SourceBreakerState;
  lastFailure: string | null;
  lastFailureAt: string | null;
  openedAt: string | null;
}

/** Bound on breakers kept: one per (adapter, origin); a worker with more distinct sources than this has a different problem. */
export const BREAKERS_MAX = 10_000;
const LAST_FAILURE_CHARS_MAX = 300;

/**
 * Whether a failure counts against the source. A 4xx other than 429 is our request's fault
 * (a wrong symbol, a bad key) and says nothing about the source's health; our own rate limit
 * is not the source's either, nor is our refusal of its address. Everything else counts: 5xx,
 * 429, network, timeouts, garbage.
 */
export function countsAgainstSource(err: unknown): boolean {
  if (isAppError(err) && err.code === 'RATE_LIMITED') return false;
  if (isDestinationRefusal(err)) return false;
  const status = sourceStatusOf(err);
  if (status !== null && status >= 400 && status < 500 && status !== 429) return false;
  return true;
}

interface Entry {
  breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  lastFailure: string | null;
  lastFailureAt: Date | null;
  openedAt: Date | null;
}

/** One opossum breaker per source key, made on first use. */
export class SourceBreakers {
  private readonly entries = new Map<string, Entry>();
  /** Times any breaker opened (closed or half-open → open). */
  opens = 0;
  /** Fetches refused by an open breaker without touching the source. */
  rejected = 0;

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly logger?: Logger,
  ) {}

  async run<T>(key: string, op: () => Promise<T>): Promise<T> {
    const entry = this.entryOf(key);
    try {
      // The breaker's action runs whatever thunk it is given, so one breaker serves every feed of the source.
      return (await entry.breaker.fire(op)) as T;
    } catch (err) {
      if (err instanceof Error && errorCodeOf(err) === 'EOPENBREAKER') {
        this.rejected += 1;
        const since = entry.openedAt === null ? '' : ` since ${entry.openedAt.toISOString()}`;
        throw new AppError(
          'SOURCE_FAILED',
          `circuit breaker open for ${key}${since} after repeated failures (last: ${entry.lastFailure ?? 'unknown'}); not fetching until a trial after ${this.policy.resetMs} ms`,
          { retryAfterS: Math.max(1, Math.ceil(this.policy.resetMs / 1000)), details: { breaker: 'open', source: key } },
        );
      }
      throw err;
    }
  }

  view(key: string): BreakerView | null {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    return {
      state: stateOf(entry.breaker),
      lastFailure: entry.lastFailure,
      lastFailureAt: entry.lastFailureAt?.toISOString() ?? null,
      openedAt: entry.openedAt?.toISOString() ?? null,
    };
  }

  /** How many breakers are open or half-open right now. */
  get notClosed(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (!entry.breaker.closed) n += 1;
    return n;
  }

  /** Stops the breakers' timers (rolling windows, reset timers). */
  shutdown(): void {
    for (const entry of this.entries.values()) entry.breaker.shutdown();
    this.entries.clear();
  }

  private entryOf(key: string): Entry {
    const existing = this.entries.get(key);
    if (existing !== undefined) return existing;
    if (this.entries.size >= BREAKERS_MAX) {
      throw new AppError('INVARIANT_VIOLATED', `more than ${BREAKERS_MAX} distinct sources: refusing to make another breaker`);
    }
    const breaker = new CircuitBreaker<[() => Promise<unknown>], unknown>((op) => op(), {
      name: key,
      // Each attempt has its own deadline (FETCH_TIMEOUT_MS within the retry budget): no second clock here.
      timeout: false,
      resetTimeout: this.policy.resetMs,
      volumeThreshold: this.policy.volumeMin,
      errorThresholdPercentage: this.policy.errorPercentMax,
      rollingCountTimeout: this.policy.windowMs,
      rollingCountBuckets: 10,
      // Filtered errors still reject; they just do not count as failures.
      errorFilter: (err: unknown) => !countsAgainstSource(err),
    });
    const entry: Entry = { breaker, lastFailure: null, lastFailureAt: null, openedAt: null };
    breaker.on('failure', (err: unknown) => {
      entry.lastFailure = (err instanceof Error ? err.message : String(err)).slice(0, LAST_FAILURE_CHARS_MAX);
      entry.lastFailureAt = new Date();
    });
    breaker.on('open', () => {
      this.opens += 1;
      entry.openedAt = new Date();
      this.logger?.warn({ source: key, lastFailure: entry.lastFailure, resetMs: this.policy.resetMs }, 'source breaker opened');
    });
    breaker.on('halfOpen', () => this.logger?.info({ source: key }, 'source breaker half-open: next fetch is a trial'));
    breaker.on('close', () => {
      entry.openedAt = null;
      this.logger?.info({ source: key }, 'source breaker closed');
    });
    this.entries.set(key, entry);
    return entry;
  }
}

function stateOf(breaker: CircuitBreaker<[() => Promise<unknown>], unknown>): SourceBreakerState {
  if (breaker.closed) return 'closed';
  if (breaker.halfOpen) return 'half_open';
  return 'open';
}

function errorCodeOf(err: Error): string {
  return 'code' in err && typeof err.code === 'string' ? err.code : '';
}
