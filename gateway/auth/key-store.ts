import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { apiKeys } from '../../db/schema/gateway.ts';
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
  findBySecretHash(secretHash: string): Promise<StoredKey | null>;
  /** True when the key existed and was not revoked before. */
  revoke(id: string, at: Date): Promise<boolean>;
  countActive(role: Role): Promise<number>;
}

/** The same code for PGlite and Postgres: drizzle's pg dialect over either driver. */
export class DrizzleKeyStore implements KeyStore {
  constructor(private readonly db: Database) {}

  async insert(key: NewStoredKey): Promise<boolean> {
    const rows = await this.db.insert(apiKeys).values(key).onConflictDoNothing({ target: apiKeys.secretHash }).returning({ id: apiKeys.id });
    return rows.length > 0;
  }

  async findBySecretHash(secretHash: string): Promise<StoredKey | null> {
    const rows = await this.db.select().from(apiKeys).where(eq(apiKeys.secretHash, secretHash)).limit(1);
    const row = rows[0];
    if (row === undefined) return null;
    // A role this version does not know (a row written by a newer one) must not grant anything.
    const role = Role.safeParse(row.role);
    if (!role.success) return null;
    return { ...row, role: role.data };
  }

  async revoke(id: string, at: Date): Promise<boolean> {
    const rows = await this.db
      .update(apiKeys)
      .set({ revokedAt: at })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    return rows.length > 0;
  }

  async countActive(role: Role): Promise<number> {
    const rows = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(apiKeys)
      .where(and(eq(apiKeys.role, role), isNull(apiKeys.revokedAt)));
    return rows[0]?.n ?? 0;
  }
}
