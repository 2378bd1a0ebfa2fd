import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** What every part's storage code is written against: the same for PGlite and Postgres. */
export type Database = PgDatabase<PgQueryResultHKT>;

/** Each part owns its tables and its migrations folder; `cluster` holds what every node of a network shares (node announcements). */
export type StoragePart = 'gateway' | 'slim' | 'consensus' | 'cluster';

export interface DatabaseOptions {
  part: StoragePart;
  /** Postgres URL; unset means embedded PGlite under `dataDir`. */
  url?: string | undefined;
  /** Embedded mode: directory of this node's PGlite files (`memory://` keeps them in memory). */
  dataDir: string;
  /** The Postgres schema this node's tables live in; nodes sharing one database stay apart. */
  schema: string;
  /** Postgres pool size. */
  maxConnections?: number;
}

export interface OpenDatabase {
  readonly db: Database;
  readonly kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

const migrationsFolder = (part: StoragePart) => fileURLToPath(new URL(`./migrations/${part}`, import.meta.url));

/** Opens the node's database and applies its part's migrations before anything else touches it. */
export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  const { part, schema } = options;
  assertIdentifier(schema);
  const { url } = options;
  if (url !== undefined) {
    const client = postgres(url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connection: { search_path: schema },
    });
    const db = drizzlePostgres(client);
    const close = () => client.end({ timeout: 5 });
    // Nodes sharing a schema (the cluster part) may start together: one migrates at a time, under a lock held by this session.
    await closingOnFailure(close, async () => {
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await admin`select pg_advisory_lock(hashtext(${`migrate:${schema}`}))`;
        await admin.unsafe(`create schema if not exists "${schema}"`);
        await migratePostgres(db, { migrationsFolder: migrationsFolder(part), migrationsSchema: schema });
      } finally {
        // Ending the session releases the lock.
        await admin.end();
      }
    });
    return { db, kind: 'postgres', close };
  }
  if (!options.dataDir.startsWith('memory://')) mkdirSync(options.dataDir, { recursive: true });
  const client = await PGlite.create(options.dataDir);
  const db = drizzlePglite(client);
  const close = () => client.close();
  await closingOnFailure(close, async () => {
    // PGlite is one connection, so the search path set here holds for its whole life.
    await client.exec(`create schema if not exists "${schema}"; set search_path to "${schema}"`);
    await migratePglite(db, { migrationsFolder: migrationsFolder(part), migrationsSchema: schema });
  });
  return { db, kind: 'pglite', close };
}

/** A failed migration must not leave the connection (or PGlite's directory lock) behind. */
async function closingOnFailure(close: () => Promise<void>, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

function assertIdentifier(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError(`not a valid schema name: ${schema}`);
}
