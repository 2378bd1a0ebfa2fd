import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayInfo, GatewayStats, NetworkHealth, Readiness } from '../../schemas/index.ts';
import { startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway } from './support.ts';

describe('gateway health, info and stats', () => {
  let v1: FakeUpstream;
  let slim: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    v1 = await startFakeUpstream('v1');
    slim = await startFakeUpstream('slim');
    gw = await startTestGateway({ validators: [v1.url], slim: [slim.url] });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([v1.close(), slim.close()]);
  });

  it('reports the network up when every node is up, with each node and its own details', async () => {
    const res = await fetch(gw.api('/health'));
    expect(res.status).toBe(200);
    const health = NetworkHealth.parse(await res.json());
    expect(health.status).toBe('up');
    expect(health.nodes.map((n) => [n.role, n.status])).toEqual([
      ['gateway', 'up'],
      ['validator', 'up'],
      ['slim', 'up'],
    ]);
    const validator = health.nodes[1];
    expect(validator?.url).toBe(v1.url);
    expect(validator?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(validator?.details).toEqual({ name: 'v1' });
  });

  it('reports degraded when a non-validator node is down', async () => {
    slim.healthStatus = 503;
    await gw.probeNow();
    try {
      const health = NetworkHealth.parse(await (await fetch(gw.api('/health'))).json());
      expect(health.status).toBe('degraded');
      expect(health.nodes.find((n) => n.role === 'slim')?.status).toBe('down');
    } finally {
      slim.healthStatus = 200;
      await gw.probeNow();
    }
  });

  it('reports down with 503 when no validator is up', async () => {
    v1.healthStatus = 503;
    await gw.probeNow();
    try {
      const res = await fetch(gw.api('/health'));
      expect(res.status).toBe(503);
      expect(NetworkHealth.parse(await res.json()).status).toBe('down');
    } finally {
      v1.healthStatus = 200;
      await gw.probeNow();
    }
  });

  it('probes upstreams with the cluster token', async () => {
    // The fakes answer health probes only with the cluster token, like real nodes.
    const res = await fetch(gw.api('/stats'));
    const stats = GatewayStats.parse(await res.json());
    expect(stats.upstreams.every((u) => u.health === 'up')).toBe(true);
  });

  it('describes itself in /info: version, chain id, prefix and pool members', async () => {
    const info = GatewayInfo.parse(await (await fetch(gw.api('/info'))).json());
    expect(info.apiPrefix).toBe('/api/v11');
    expect(info.chainId).toBe('oracle-local-1');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.pools).toEqual({ validators: [v1.url], business: [], slim: [slim.url] });
  });

  it('answers liveness at /livez for process supervisors', async () => {
    const res = await fetch(`${gw.url}/livez`);
    expect(res.status).toBe(200);
  });

  it('is ready at /readyz while a validator serves', async () => {
    const res = await fetch(`${gw.url}/readyz`);
    expect(res.status).toBe(200);
    const readiness = Readiness.parse(await res.json());
    expect(readiness.status).toBe('ready');
    expect(readiness.checks['validators']?.ok).toBe(true);
  });

  it('is alive but not ready when no validator serves', async () => {
    v1.healthStatus = 503;
    await gw.probeNow();
    try {
      expect((await fetch(`${gw.url}/livez`)).status).toBe(200);
      const res = await fetch(`${gw.url}/readyz`);
      expect(res.status).toBe(503);
      const readiness = Readiness.parse(await res.json());
      expect(readiness.checks['validators']).toEqual({ ok: false, reason: 'no validator is serving (1 known)' });
    } finally {
      v1.healthStatus = 200;
      await gw.probeNow();
    }
  });

  it('summarizes the network: nodes serving per role and the gateway uptime', async () => {
    const health = NetworkHealth.parse(await (await fetch(gw.api('/health'))).json());
    expect(health.summary?.roles).toEqual({ gateway: { serving: 1, total: 1 }, validator: { serving: 1, total: 1 }, slim: { serving: 1, total: 1 } });
    expect(health.summary?.uptimeMs).toBeGreaterThanOrEqual(0);
  });
});
