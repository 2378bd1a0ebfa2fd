import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { apiKeys, gatewayMeta } from '../../db/schema/gateway.ts';
import { AppError } from '../../runtime/errors.ts';
import { Role } from '../../schemas/index.ts';

export interface StoredKey {
  id: string;
  role: Role;
  label: string;
  secretHash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export type NewStoredKey = Omit<StoredKey, 'revokedAt'>;

/** Where API keys live. Only hashes are stored; the secret itself never reaches storage. */
export interface KeyStore {
  /** False when a key with this secret hash exists already (two gateways bootstrapping the same configured key). */
  insert(key: NewStoredKey): Promise<boolean>;
  /** The key stored under any of these hashes (the same secret under each hashing scheme still accepted). */
  findBySecretHash(secretHashes: readonly string[]): Promise<StoredKey | null>;
  /** Rehashes a key, only if it is still stored under `from` (another gateway may have done it already). */
  replaceSecretHash(id: string, from: string, to: string): Promise<void>;
  /**
   * When the key was revoked now; null when no such key exists or it was revoked before.
   * Throws CONFLICT for the last active admin key: nobody could issue or revoke keys after it.
   */
  revoke(id: string, at: Date): Promise<Date | null>;
  countActive(role: Role): Promise<number>;
}

/** The same code for PGlite and Postgres: drizzle's pg dialect over either driver. */
export class DrizzleKeyStore implements KeyStore {
  constructor(private readonly db: Database) {}

  async insert(key: NewStoredKey): Promise<boolean> {
    const rows = await this.db.insert(apiKeys).values(key).onConflictDoNothing({ target: apiKeys.secretHash }).returning({ id: apiKeys.id });
    return rows.length > 0;
  }

  async findBySecretHash(secretHashes: readonly string[]): Promise<StoredKey | null> {
    const rows = await this.db.select().from(apiKeys).where(inArray(apiKeys.secretHash, [...secretHashes])).limit(1);
    const row = rows[0];
    if (row === undefined) return null;
    // A role this version does not know (a row written by a newer one) must not grant anything.
    const role = Role.safeParse(row.role);
    if (!role.success) return null;
    return { ...row, role: role.data };
  }

  async replaceSecretHash(id: string, from: string, to: string): Promise<void> {
    await this.db.update(apiKeys).set({ secretHash: to }).where(and(eq(apiKeys.id, id), eq(apiKeys.secretHash, from)));
  }

  async revoke(id: string, at: Date): Promise<Date | null> {
    return this.db.transaction(async (tx) => {
      // The active admin keys stay locked until this commits, so two revocations at once cannot leave none.
      const admins = await tx
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt)))
        .for('update');
      if (admins.length === 1 && admins[0]?.id === id) {
        throw new AppError('CONFLICT', `API key ${id} is the last active admin key: issue another admin key before revoking it`);
      }
      const rows = await tx
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .returning({ revokedAt: apiKeys.revokedAt });
      return rows[0]?.revokedAt ?? null;
    });
  }

  async countActive(role: Role): Promise<number> {
    const rows = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(apiKeys)
      .where(and(eq(apiKeys.role, role), isNull(apiKeys.revokedAt)));
    return rows[0]?.n ?? 0;
  }
}

const KEY_PEPPER_META = 'api_key_pepper';

/** The gateway's key pepper: created once by `generate`, then the same on every start and for every gateway sharing the database. */
export async function storedKeyPepper(db: Database, generate: () => string): Promise<string> {
  await db.insert(gatewayMeta).values({ key: KEY_PEPPER_META, value: generate() }).onConflictDoNothing();
  const [row] = await db.select().from(gatewayMeta).where(eq(gatewayMeta.key, KEY_PEPPER_META));
  if (row === undefined) throw new AppError('INVARIANT_VIOLATED', 'the API key pepper is missing right after it was stored');
  return row.value;
}
