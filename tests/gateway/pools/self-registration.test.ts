import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startValidator } from '../../../consensus/index.ts';
import { ANNOUNCEMENTS_PATH } from '../../../runtime/announce/http-directory.ts';
import { CLUSTER_TOKEN_HEADER, PRINCIPAL_ID_HEADER } from '../../../runtime/cluster-auth.ts';
import { loadConfig } from '../../../runtime/config.ts';
import { createLogger } from '../../../runtime/logger.ts';
import type { RunningNode } from '../../../runtime/node.ts';
import { GatewayStats } from '../../../schemas/index.ts';
import { TEST_DATABASE_URL, dropSchema, uniqueSchema } from '../../support/databases.ts';
import { CLUSTER_SECRET, startTestGateway, type TestGateway } from '../support.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;
/** "Within a few seconds": a heartbeat every second, a directory read every second, and a loaded test machine. */
const JOIN_DEADLINE_MS = 10_000;

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, deadlineMs: number): Promise<T> {
  const until = Date.now() + deadlineMs;
  let value = await probe();
  while (!done(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}

/**
 * The scale-up story on one directory backend: a gateway with no validator, then a validator
 * started later announces itself and serves through the gateway without a restart; stopped, it leaves.
 */
function selfRegistration(name: string, backend: () => Record<string, string>, skip: boolean) {
  describe.skipIf(skip)(`self-registration through ${name}`, () => {
    const closers: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const close of closers.splice(0).reverse()) await close();
    });

    async function startLateValidator(env: Record<string, string>): Promise<RunningNode> {
      const schema = uniqueSchema('late_validator');
      const config = loadConfig({ CLUSTER_SECRET, HOST: '127.0.0.1', PORT: '0', DATA_DIR: 'memory://', DB_SCHEMA: schema, LOG_LEVEL: 'silent', ...env }, 'validator');
      const node = await startValidator(config, createLogger('validator', 'silent'));
      const url = config.DATABASE_URL;
      closers.push(async () => {
        await node.close();
        if (url !== undefined) await dropSchema(url, schema);
      });
      return node;
    }

    it('routes to a validator started after the gateway within seconds, and stops once it has stopped', async () => {
      const env = { ...backend(), DIRECTORY_NAMESPACE: `test-${randomUUID().slice(0, 8)}` };
      const gw: TestGateway = await startTestGateway({}, env);
      closers.push(() => gw.close());
      const status = async () => (await fetch(gw.api('/consensus/status'))).status;
      const stats = async () => GatewayStats.parse(await (await fetch(gw.api('/stats'))).json());
      expect(await status()).toBe(503);

      const validator = await startLateValidator({ ...env, GATEWAY_URLS: gw.url });
      expect(await eventually(status, (s) => s === 200, JOIN_DEADLINE_MS)).toBe(200);
      const member = (await stats()).upstreams.find((u) => u.url === validator.url);
      expect(member).toMatchObject({ pool: 'validators', source: 'announced', weight: 1, nodeId: `validator@${new URL(validator.url).host}` });
      expect(Date.parse(member?.expiresAt ?? '')).toBeGreaterThan(Date.now());

      await validator.close();
      expect(await eventually(async () => (await stats()).upstreams.length, (n) => n === 0, JOIN_DEADLINE_MS)).toBe(0);
      expect(await status()).toBe(503);
      // Two PGlite-backed roles start in this test; on a loaded two-core machine that alone can take a minute.
    }, 120_000);
  });
}

selfRegistration('the gateway itself (embedded)', () => ({}), false);
selfRegistration('Redis', () => ({ REDIS_URL: REDIS_URL ?? '' }), REDIS_URL === undefined);
selfRegistration('Postgres', () => ({ DATABASE_URL: TEST_DATABASE_URL ?? '' }), TEST_DATABASE_URL === undefined);

describe('the embedded announcement route', { timeout: 60_000 }, () => {
  // One gateway for the suite: each test announces under its own node id.
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({});
  });
  afterAll(async () => {
    await gw.close();
  });

  const announcement = (nodeId: string, ttlMs: number) => JSON.stringify({ nodeId, pool: 'slim', url: `http://127.0.0.1:${nodeId.length + 1}`, weight: 2, ttlMs });
  const post = (target: TestGateway, body: string, headers: Record<string, string>) =>
    fetch(`${target.url}${ANNOUNCEMENTS_PATH}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('lets a node that stops without withdrawing leave once its TTL has run out', async () => {
    const res = await post(gw, announcement('slim@crashed', 1_000), { [CLUSTER_TOKEN_HEADER]: CLUSTER_SECRET });
    expect(res.status).toBe(204);
    const members = async () => GatewayStats.parse(await (await fetch(gw.api('/stats'))).json()).upstreams.map((u) => [u.nodeId, u.weight]);
    expect(await eventually(members, (m) => m.length === 1, JOIN_DEADLINE_MS)).toEqual([['slim@crashed', 2]]);
    expect(await eventually(members, (m) => m.length === 0, JOIN_DEADLINE_MS)).toEqual([]);
  });

  it('refuses announcements without the cluster secret, and relayed on someone’s behalf', async () => {
    const body = announcement('slim@refused', 5_000);
    expect((await post(gw, body, {})).status).toBe(401);
    expect((await post(gw, body, { [CLUSTER_TOKEN_HEADER]: 'not-the-secret-at-all' })).status).toBe(401);
    expect((await post(gw, body, { [CLUSTER_TOKEN_HEADER]: CLUSTER_SECRET, [PRINCIPAL_ID_HEADER]: 'key_x' })).status).toBe(403);
    expect((await fetch(`${gw.url}${ANNOUNCEMENTS_PATH}`)).status).toBe(401);
  });

  it('answers 400 naming the field of an invalid announcement', async () => {
    const res = await post(gw, JSON.stringify({ nodeId: 'slim@x', pool: 'slim', url: 'ftp://x', weight: 1, ttlMs: 5_000 }), { [CLUSTER_TOKEN_HEADER]: CLUSTER_SECRET });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('url');
  });

  it('is not part of the public API', async () => {
    const res = await fetch(gw.api(ANNOUNCEMENTS_PATH), {
      method: 'POST',
      body: announcement('slim@public', 5_000),
      headers: { 'content-type': 'application/json', [CLUSTER_TOKEN_HEADER]: CLUSTER_SECRET },
    });
    expect(res.status).toBe(404);
  });

  it.skipIf(REDIS_URL === undefined)('does not exist when the directory is shared (Redis)', async () => {
    const shared = await startTestGateway({}, { REDIS_URL, DIRECTORY_NAMESPACE: `test-${randomUUID().slice(0, 8)}` });
    try {
      expect((await post(shared, announcement('slim@shared', 5_000), { [CLUSTER_TOKEN_HEADER]: CLUSTER_SECRET })).status).toBe(404);
    } finally {
      await shared.close();
    }
  });
});
