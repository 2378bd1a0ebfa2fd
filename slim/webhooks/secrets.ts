import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { feeds } from '../../db/schema/slim.ts';

/**
 * Webhook secrets of EasyPost tracker feeds, kept in the feeds table's `push_secret` column (push
 * feeds no longer use it: their devices hold the keys). Written with the feed at registration
 * (slim/storage/feeds.ts) and read only here, so feed records, views and listings never carry it.
 */
export class WebhookSecrets {
  constructor(private readonly db: Database) {}

  /** Null for an unknown feed or one without a secret. */
  async get(feedId: string): Promise<string | null> {
    const [row] = await this.db.select({ secret: feeds.pushSecret }).from(feeds).where(eq(feeds.id, feedId)).limit(1);
    return row?.secret ?? null;
  }
}

/** 32 random bytes, hex: ASCII, so EasyPost's NFKD normalization leaves it as it is. */
export const newWebhookSecret = (): string => randomBytes(32).toString('hex');
