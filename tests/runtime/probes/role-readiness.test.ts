import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { ROLE_STARTERS } from '../../../bin/roles.ts';
import { loadConfig } from '../../../runtime/config.ts';
import { createLogger } from '../../../runtime/logger.ts';
import type { RunningNode } from '../../../runtime/node.ts';
import { Liveness, Readiness } from '../../../schemas/index.ts';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../support/databases.ts';
import { freePorts } from '../../support/free-ports.ts';
import { planRaftGroup, raftMemberEnv } from '../../support/raft-members.ts';

const SECRET = 'cluster-secret-for-readiness-tests';
const logger = createLogger('validator', 'silent');
const WAIT_MS = 60_000;

async function probe(url: string, path: '/livez' | '/readyz'): Promise<{ status: number; body: unknown } | null> {
  try {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
    return { status: res.status, body: await res.json() };
  } catch {
    return null;
  }
}

async function until<T>(what: string, read: () => Promise<T | null | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const value = await read();
    if (value !== null && value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(TEST_DATABASE_URL === undefined)('readiness while migrations run (Postgres)', () => {
  const url = TEST_DATABASE_URL!;
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(url, schema);
  });

  it.each(['validator', 'slim'] as const)('a %s whose migrations are running is alive but not ready, and ready once they finish', async (role) => {
    const schema = uniqueSchema(`ready_${role}`);
    schemas.push(schema);
    // Migrations take this lock first (db/client.ts): holding it keeps the node in its migrating phase.
    const lock = postgres(url, { max: 1, onnotice: () => {} });
    await lock`select pg_advisory_lock(hashtext(${`migrate:${schema}`}))`;
    const [port] = await freePorts(1);
    const nodeUrl = `http://127.0.0.1:${port}`;
    const config = loadConfig({ ROLE: role, CLUSTER_SECRET: SECRET, DATABASE_URL: url, DB_SCHEMA: schema, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'silent' });
    const starting = ROLE_STARTERS[role](config, logger);
    let node: RunningNode | undefined;
    try {
      const alive = await until('the port to open', () => probe(nodeUrl, '/livez'));
      expect(alive.status).toBe(200);
      expect(Liveness.parse(alive.body).phase).toBe('migrating');
      const notReady = await probe(nodeUrl, '/readyz');
      expect(notReady?.status).toBe(503);
      expect(Readiness.parse(notReady?.body)).toMatchObject({ status: 'not_ready', phase: 'migrating' });

      await lock.end();
      node = await starting;
      const ready = await until('readiness', async () => {
        const answer = await probe(nodeUrl, '/readyz');
        return answer?.status === 200 ? answer : null;
      });
      expect(Readiness.parse(ready.body)).toMatchObject({ status: 'ready', phase: 'running' });
    } finally {
      await lock.end();
      node ??= await starting.catch(() => undefined);
      await node?.close();
    }
  });
});

describe('readiness of a Raft member', () => {
  it('a validator whose group has no leader is alive but not ready, and says why', async () => {
    // Three voters planned, one started: it can never win an election alone.
    const group = await planRaftGroup(3, 0);
    const self = group.members[0]!;
    const env = raftMemberEnv(self, { membersText: group.membersText, namespace: `ready-${process.pid}` });
    const config = loadConfig({ ...env, ROLE: 'validator', CLUSTER_SECRET: SECRET, DATA_DIR: 'memory://', LOG_LEVEL: 'silent' });
    const node = await ROLE_STARTERS.validator(config, logger);
    try {
      const alive = await probe(node.url, '/livez');
      expect(alive?.status).toBe(200);
      const answer = await probe(node.url, '/readyz');
      expect(answer?.status).toBe(503);
      const readiness = Readiness.parse(answer?.body);
      expect(readiness.phase).toBe('running');
      expect(readiness.checks['leader']?.ok).toBe(false);
      expect(readiness.checks['leader']?.reason).toMatch(/no Raft leader/);
    } finally {
      await node.close();
    }
  });

  it('a single validator leads itself and is ready', async () => {
    const config = loadConfig({ ROLE: 'validator', CLUSTER_SECRET: SECRET, DATA_DIR: 'memory://', PORT: '0', LOG_LEVEL: 'silent' });
    const node = await ROLE_STARTERS.validator(config, logger);
    try {
      const answer = await probe(node.url, '/readyz');
      expect(answer?.status).toBe(200);
      expect(Readiness.parse(answer?.body).checks['leader']?.ok).toBe(true);
    } finally {
      await node.close();
    }
  });
});
