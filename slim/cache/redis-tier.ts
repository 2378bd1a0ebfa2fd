import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import { CacheEntry, isLive } from './answer.ts';
import type { CacheTier, TierLookup } from './tier.ts';

/**
 * L2: entries shared by every replica through Redis, one string key each, expired by Redis itself
 * (PX) as well as checked against the injected clock on read. What Redis returns crossed a process
 * boundary (and may have been written by another version): it is parsed, and a bad entry is corrupt.
 * Commands reject while Redis is down; the cache skips the tier then, and ioredis reconnects on its own.
 */
export class RedisTier implements CacheTier {
  readonly name = 'l2';
  readonly backend = 'redis';
  private readonly prefix: string;
  private readonly onClose: (() => Promise<void>) | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    options: { keyPrefix?: string; onClose?: () => Promise<void> } = {},
  ) {
    this.prefix = options.keyPrefix ?? 'slim:source-cache:';
    this.onClose = options.onClose;
  }

  async get(key: string): Promise<TierLookup> {
    const raw = await this.redis.get(this.prefix + key);
    if (raw === null) return { status: 'miss' };
    const entry = parseEntry(raw);
    if (entry === null) return { status: 'corrupt' };
    if (!isLive(entry, this.clock.now().getTime())) return { status: 'miss' };
    return { status: 'hit', entry };
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    const nowMs = this.clock.now().getTime();
    if (!isLive(entry, nowMs)) return;
    const ttlMs = entry.expiresAtMs - nowMs;
    await this.redis.set(this.prefix + key, JSON.stringify(entry), 'PX', ttlMs);
  }

  async close(): Promise<void> {
    await this.onClose?.();
  }
}

function parseEntry(raw: string): CacheEntry | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = CacheEntry.safeParse(json);
  return parsed.success ? parsed.data : null;
}
