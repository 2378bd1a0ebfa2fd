import postgres from 'postgres';

/** The URL of `database` on the server of `serverUrl`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const assertName = (name: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new TypeError(`not a database name: ${name}`);
};

/** Creates this run's database (its nodes create their schemas in it as they migrate). */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  assertName(name);
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end();
  }
  return databaseUrl(serverUrl, name);
}

/** Drops it, closing the connections of nodes that did not stop in time. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  assertName(name);
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await sql.end();
  }
}
