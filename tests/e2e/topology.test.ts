/**
 * The production topology of compose.yaml, run as processes (npm run topology) against the real
 * PostgreSQL and Redis: a feed registered through the gateway gets attested, and the attestation
 * is read back through a business node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchTopology, type LaunchedTopology } from '../../bin/topology/launch.ts';
import { ensureDemo } from '../../demo/bootstrap.ts';
import { signedReading } from '../../demo/iot-device.ts';
import { startDemoSource, type DemoSource } from '../../demo/open-meteo-server.ts';
import { CLUSTER_TOKEN_HEADER } from '../../runtime/cluster-auth.ts';
import { Attestation, NetworkHealth, Readiness } from '../../schemas/index.ts';
import { TEST_DATABASE_URL, tempDir } from '../support/databases.ts';
import { call, eventually } from '../support/network.ts';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
const START_TIMEOUT_MS = 300_000;
/** The demo weather feed is fetched every 15 s; allow for several rounds on a loaded machine. */
const ATTESTED_WITHIN_ATTEMPTS = 240;

describe.skipIf(TEST_DATABASE_URL === undefined || TEST_REDIS_URL === undefined)('the compose topology as processes (Postgres and Redis)', () => {
  const dir = tempDir('topology');
  let source: DemoSource;
  let topology: LaunchedTopology;
  const gateway = () => `${topology.state.gatewayUrl}/api/v11`;

  beforeAll(async () => {
    source = await startDemoSource('127.0.0.1', 0);
    topology = await launchTopology({
      databaseUrl: TEST_DATABASE_URL!,
      redisUrl: TEST_REDIS_URL!,
      dir: dir.path,
      timeoutMs: START_TIMEOUT_MS,
      // The demo source is on loopback, which sources may reach only when the operator allows its origin.
      env: { SOURCE_ORIGINS_ALLOWED: source.url, LOG_LEVEL: 'warn' },
    });
  }, START_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    const code = await topology?.stop();
    await source?.close();
    dir.remove();
    expect(code).toBe(0);
  }, 60_000);

  it("runs every node of compose.yaml, and the gateway's health shows each one up", async () => {
    const health = NetworkHealth.parse((await call(`${gateway()}/health`)).body);
    expect(health.status).toBe('up');
    expect(health.summary?.roles).toEqual({
      gateway: { serving: 1, total: 1 },
      validator: { serving: 3, total: 3 },
      business: { serving: 2, total: 2 },
      slim: { serving: 2, total: 2 },
    });
    expect(health.summary?.leader).toMatch(/^validator-\d$/);
    expect(topology.state.nodes.map((n) => n.name).sort()).toEqual(['business-1', 'business-2', 'gateway', 'slim-1', 'slim-2', 'validator-1', 'validator-2', 'validator-3']);
  });

  it('has every node ready', async () => {
    for (const node of topology.state.nodes) {
      const res = await call(`${node.url}/readyz`);
      expect(res.status, node.name).toBe(200);
      expect(Readiness.parse(res.body).status, node.name).toBe('ready');
    }
  });

  it(
    'attests the readings of a feed registered through the gateway, readable through a business node, and takes pushes through either slim worker',
    async () => {
      const demo = await ensureDemo(topology.state.gatewayUrl, source.url, { adminKey: topology.state.adminKey });
      const attestation = await eventually(async () => {
        const r = await call(`${gateway()}/query/attestations/${demo.feeds.weather}/latest`, { key: demo.keys.dapp });
        return r.status === 200 ? Attestation.parse(r.body) : undefined;
      }, ATTESTED_WITHIN_ATTEMPTS, 500);
      expect(attestation.event.observation.category).toBe('weather');

      const business = topology.state.nodes.find((n) => n.role === 'business')!;
      const direct = await call(`${business.url}/api/v11/query/attestations/${demo.feeds.weather}/latest`, {
        headers: { [CLUSTER_TOKEN_HEADER]: topology.state.clusterSecret },
      });
      expect(direct.status).toBe(200);
      const read = Attestation.parse(direct.body);
      expect(read.height).toBeGreaterThanOrEqual(attestation.height);
      expect(read.feedId).toBe(demo.feeds.weather);

      // The slim replicas share their storage: pushes spread over both (round-robin) all find the feed.
      for (let i = 0; i < 4; i++) {
        const reading = signedReading({ id: demo.feeds.iot.deviceId, secret: demo.feeds.iot.deviceSecret }, demo.feeds.iot.id, new Date().toISOString(), 4 + i / 10);
        const pushed = await call(`${gateway()}/external/feeds/${demo.feeds.iot.id}/observations`, { method: 'POST', key: demo.keys.provider, body: { readings: [reading] } });
        expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
      }
    },
    ATTESTED_WITHIN_ATTEMPTS * 1_000,
  );
});
