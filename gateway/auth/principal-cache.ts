import { LRUCache } from 'lru-cache';
import type { KeyPrincipal } from './key-service.ts';

/** Distinct keys remembered by one gateway: far more than are busy at once, a few MB at most. */
export const PRINCIPAL_CACHE_ENTRIES_MAX = 10_000;

export interface PrincipalCacheOptions {
  /**
   * How long a verified key is trusted without asking storage again: the bound on how long a key
   * revoked through another gateway (or directly in storage) still works here.
   */
  ttlMs: number;
  /** Keys remembered at most; the least recently used go first. */
  entriesMax: number;
  /** Milliseconds on a monotonic clock; tests pass their own. */
  now?: () => number;
}

/**
 * Recently verified API keys and their principals, so a busy key costs one storage lookup per
 * TTL instead of one per request. Only successful verifications are kept: unknown keys (guesses)
 * cannot fill the cache and push out real ones. Entries are keyed by the presented secret itself,
 * which the process holds on every request anyway; hashing it first would put the HMAC back on
 * the hot path this cache exists to clear.
 */
export class PrincipalCache {
  private readonly entries: LRUCache<string, KeyPrincipal>;

  constructor(options: PrincipalCacheOptions) {
    const now = options.now;
    this.entries = new LRUCache<string, KeyPrincipal>({
      max: options.entriesMax,
      ttl: options.ttlMs,
      // The TTL counts from verification, not from last use: a revoked key in steady use must still expire.
      updateAgeOnGet: false,
      // Read the clock on every lookup (a few ns) rather than reuse a reading for a millisecond: exact expiry.
      ttlResolution: 0,
      ...(now === undefined ? {} : { perf: { now } }),
    });
  }

  get(secret: string): KeyPrincipal | undefined {
    return this.entries.get(secret);
  }

  set(secret: string, principal: KeyPrincipal): void {
    this.entries.set(secret, principal);
  }

  /** Forgets every secret of this key at once (revoked here, so it stops working here now). */
  forgetKey(id: string): void {
    const secrets = [...this.entries.entries()].filter(([, principal]) => principal.id === id).map(([secret]) => secret);
    for (const secret of secrets) this.entries.delete(secret);
  }
}
