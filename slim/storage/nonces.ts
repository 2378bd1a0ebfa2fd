import { and, eq, inArray, lt } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { pushNonces } from '../../db/schema/slim.ts';

/** Expired nonces deleted per prune: bounded, so a backlog never holds the table in one long statement. */
export const NONCE_PRUNE_BATCH_MAX = 1_000;

/** The nonces of verified push readings, per device, remembered until they leave the replay window. */
export class NonceRepository {
  constructor(private readonly db: Database) {}

  /**
   * Remembers a device's nonce until `expiresAt`; true when it was not already remembered. One
   * INSERT … ON CONFLICT DO NOTHING: of two workers racing with the same nonce exactly one gets true.
   */
  async remember(deviceId: string, nonce: string, expiresAt: Date): Promise<boolean> {
    const [fresh] = await this.rememberAll([{ deviceId, nonce, expiresAt }]);
    return fresh === true;
  }

  /**
   * `remember` for many nonces of one request in one statement: for each entry, in order, whether its
   * nonce was new. A nonce repeated within the entries is new at most once, at its first occurrence.
   */
  async rememberAll(entries: readonly { deviceId: string; nonce: string; expiresAt: Date }[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const key = (e: { deviceId: string; nonce: string }) => `${e.deviceId}\u0000${e.nonce}`;
    const firstIndex = new Map<string, number>();
    entries.forEach((e, i) => {
      if (!firstIndex.has(key(e))) firstIndex.set(key(e), i);
    });
    const distinct = [...firstIndex.values()].map((i) => entries[i] as (typeof entries)[number]);
    const inserted = await this.db
      .insert(pushNonces)
      .values(distinct.map((e) => ({ deviceId: e.deviceId, nonce: e.nonce, expiresAt: e.expiresAt })))
      .onConflictDoNothing({ target: [pushNonces.deviceId, pushNonces.nonce] })
      .returning({ deviceId: pushNonces.deviceId, nonce: pushNonces.nonce });
    const fresh = new Set(inserted.map(key));
    return entries.map((e, i) => firstIndex.get(key(e)) === i && fresh.has(key(e)));
  }

  /**
   * Deletes up to `limit` nonces that expired before `now`; returns how many. An expired nonce still
   * here is harmless: its reading is outside the window, so it cannot be fresh whatever the table says.
   */
  async pruneExpired(now: Date, limit: number = NONCE_PRUNE_BATCH_MAX): Promise<number> {
    const expired = this.db
      .select({ deviceId: pushNonces.deviceId, nonce: pushNonces.nonce })
      .from(pushNonces)
      .where(lt(pushNonces.expiresAt, now))
      .limit(limit);
    const rows = await expired;
    if (rows.length === 0) return 0;
    // Deleted by key, per device: a plain DELETE … LIMIT does not exist in PostgreSQL.
    const byDevice = new Map<string, string[]>();
    for (const r of rows) byDevice.set(r.deviceId, [...(byDevice.get(r.deviceId) ?? []), r.nonce]);
    let deleted = 0;
    for (const [deviceId, nonces] of byDevice) {
      const gone = await this.db
        .delete(pushNonces)
        .where(and(eq(pushNonces.deviceId, deviceId), inArray(pushNonces.nonce, nonces), lt(pushNonces.expiresAt, now)))
        .returning({ nonce: pushNonces.nonce });
      deleted += gone.length;
    }
    return deleted;
  }
}
