import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { announcementRoutes } from '../../../gateway/pools/announce-routes.ts';
import type { AnnouncementDirectory } from '../../../runtime/announce/directory.ts';
import { HttpDirectory } from '../../../runtime/announce/http-directory.ts';
import { InProcessDirectory } from '../../../runtime/announce/memory-directory.ts';
import { PostgresDirectory } from '../../../runtime/announce/postgres-directory.ts';
import { RedisDirectory } from '../../../runtime/announce/redis-directory.ts';
import { createLogger } from '../../../runtime/logger.ts';
import type { NodeAnnouncement } from '../../../schemas/index.ts';
import { TEST_DATABASE_URL, dropSchema, uniqueSchema } from '../../support/databases.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;
const SECRET = 'directory-contract-secret-0123456789';
/** The shortest TTL the schema allows; the expiry test waits a little longer than this. */
const TTL_MS = 1_000;

const node = (over: Partial<NodeAnnouncement> = {}): NodeAnnouncement => ({
  nodeId: `validator@127.0.0.1:${9000 + Math.floor(Math.random() * 900)}`,
  pool: 'validators',
  url: 'http://127.0.0.1:9003',
  weight: 1,
  ttlMs: 10_000,
  ...over,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The contract every directory backend is held to. `make` answers a directory over a namespace
 * (the same namespace twice: two views of one directory, as two nodes would have).
 */
function directoryContract(name: string, make: (namespace: string) => Promise<AnnouncementDirectory>, skip = false) {
  describe.skipIf(skip)(`the ${name} announcement directory`, () => {
    const opened: AnnouncementDirectory[] = [];
    const open = async (namespace = `ns-${randomUUID().slice(0, 8)}`) => {
      const directory = await make(namespace);
      opened.push(directory);
      return directory;
    };
    afterAll(async () => {
      for (const d of opened.reverse()) await d.close();
    });

    it('lists an announced node with its pool, address, weight and an expiry about its TTL ahead', async () => {
      const directory = await open();
      const before = Date.now();
      await directory.announce(node({ nodeId: 'slim@10.0.0.7:9013', pool: 'slim', url: 'http://10.0.0.7:9013', weight: 3, ttlMs: 5_000 }));
      const live = await directory.live();
      expect(live.map(({ expiresAt: _e, ...rest }) => rest)).toEqual([{ nodeId: 'slim@10.0.0.7:9013', pool: 'slim', url: 'http://10.0.0.7:9013', weight: 3 }]);
      const expiresAtMs = Date.parse(live[0]?.expiresAt ?? '');
      // Backends reckon expiry by their own clock (Redis TIME, Postgres now()): allow for a little skew.
      expect(expiresAtMs).toBeGreaterThan(before + 4_000);
      expect(expiresAtMs).toBeLessThan(Date.now() + 6_000);
    });

    it('replaces a node’s announcement with its renewal instead of listing it twice', async () => {
      const directory = await open();
      await directory.announce(node({ nodeId: 'validator@a', weight: 1, ttlMs: 2_000 }));
      const first = Date.parse((await directory.live())[0]?.expiresAt ?? '');
      await directory.announce(node({ nodeId: 'validator@a', url: 'http://127.0.0.1:9103', weight: 2, ttlMs: 10_000 }));
      const live = await directory.live();
      expect(live.map((n) => [n.nodeId, n.url, n.weight])).toEqual([['validator@a', 'http://127.0.0.1:9103', 2]]);
      expect(Date.parse(live[0]?.expiresAt ?? '')).toBeGreaterThan(first);
    });

    it('drops an announcement that is not renewed within its TTL', async () => {
      const directory = await open();
      await directory.announce(node({ nodeId: 'validator@short', ttlMs: TTL_MS }));
      await directory.announce(node({ nodeId: 'validator@long', ttlMs: 30_000 }));
      await sleep(TTL_MS + 400);
      expect((await directory.live()).map((n) => n.nodeId)).toEqual(['validator@long']);
    });

    it('drops a withdrawn node at once, and takes the withdrawal of an unknown node calmly', async () => {
      const directory = await open();
      await directory.announce(node({ nodeId: 'validator@gone' }));
      await directory.withdraw('validator@gone');
      await directory.withdraw('validator@never-announced');
      expect(await directory.live()).toEqual([]);
    });

    it('shows one node’s announcement to another view of the same namespace, and none to another namespace', async () => {
      const namespace = `ns-${randomUUID().slice(0, 8)}`;
      const writer = await open(namespace);
      const reader = await open(namespace);
      const stranger = await open();
      await writer.announce(node({ nodeId: 'validator@shared' }));
      expect((await reader.live()).map((n) => n.nodeId)).toEqual(['validator@shared']);
      expect(await stranger.live()).toEqual([]);
    });

    it('refuses an announcement that breaks the schema (weight 0) and keeps nothing of it', async () => {
      const directory = await open();
      await expect(directory.announce(node({ nodeId: 'validator@bad', weight: 0 }))).rejects.toThrow();
      expect(await directory.live()).toEqual([]);
    });
  });
}

/** In process, a namespace is one gateway's directory object: both views of a namespace share it. */
const inProcess = new Map<string, InProcessDirectory>();
directoryContract('in-process (embedded)', async (namespace) => {
  const directory = inProcess.get(namespace) ?? new InProcessDirectory();
  inProcess.set(namespace, directory);
  // Closing one view must not empty the directory under the other.
  return Object.assign(Object.create(directory) as InProcessDirectory, { close: () => Promise.resolve() });
});

/** Embedded, as a node sees it: HTTP to a gateway's cluster-only route, one in-process directory per namespace. */
const gatewayServers: ServerType[] = [];
const byNamespace = new Map<string, string>();
afterAll(async () => {
  for (const s of gatewayServers) await new Promise((r) => s.close(r));
});
directoryContract('embedded over HTTP', async (namespace) => {
  let base = byNamespace.get(namespace);
  if (base === undefined) {
    const app = announcementRoutes(new InProcessDirectory(), SECRET, createLogger('gateway', 'silent'));
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    gatewayServers.push(server);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    byNamespace.set(namespace, base);
  }
  return new HttpDirectory([base], SECRET, 2_000);
});

/** The Postgres backend on PGlite: the same SQL without a server, so it is held to the contract on every run. */
let pglite: OpenDatabase | undefined;
// Opened ahead of the tests (hook time, not test time): booting PGlite is slow on a loaded machine.
beforeAll(async () => {
  pglite = await openDatabase({ part: 'cluster', dataDir: 'memory://', schema: 'cluster' });
});
afterAll(async () => {
  await pglite?.close();
});
directoryContract('Postgres (on embedded PGlite)', async (namespace) => {
  if (pglite === undefined) throw new Error('PGlite did not open');
  // PGlite is one process's database: every view shares it, as connections to one server would.
  return new PostgresDirectory(pglite.db, namespace);
});

const pgSchema = uniqueSchema('directory');
afterAll(async () => {
  if (TEST_DATABASE_URL !== undefined) await dropSchema(TEST_DATABASE_URL, pgSchema);
});
directoryContract(
  'Postgres',
  async (namespace) => {
    const database = await openDatabase({ part: 'cluster', url: TEST_DATABASE_URL, dataDir: '', schema: pgSchema, maxConnections: 2 });
    return new PostgresDirectory(database.db, namespace, () => database.close());
  },
  TEST_DATABASE_URL === undefined,
);

directoryContract('Redis', async (namespace) => new RedisDirectory(new Redis(REDIS_URL ?? ''), `test-${namespace}`), REDIS_URL === undefined);
