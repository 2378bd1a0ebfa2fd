import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStats, NetworkHealth } from '../../../schemas/index.ts';
import { startFakeUpstream, startFlakyPair, startTestGateway, switchableAnswer } from '../support.ts';

const FAILURES_MAX = 3;
const BASE_EJECTION_MS = 1_500;

// Each test starts a gateway (its PGlite key store): on a loaded two-core machine that alone can take most of the default 30 s.
describe('passive outlier ejection through a real gateway', { timeout: 60_000 }, () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function rig() {
    const { flaky, flakyNode, steady, gw } = await startFlakyPair(closers, {
      GATEWAY_EJECT_FAILURES: String(FAILURES_MAX),
      GATEWAY_EJECT_BASE_MS: String(BASE_EJECTION_MS),
      // The breaker judges rates over many requests; kept out of the way so ejection alone acts here.
      GATEWAY_BREAKER_VOLUME_MIN: '1000',
    });
    const get = async () => {
      const res = await fetch(gw.api('/consensus/blocks/1'));
      return ((await res.json()) as { served?: string }).served;
    };
    const stats = async () => GatewayStats.parse(await (await fetch(gw.api('/stats'))).json());
    return { flaky, flakyNode, steady, gw, get, stats };
  }

  it('ejects a node after consecutive 500s, after which only the other node gets traffic', async () => {
    const { flaky, flakyNode, get } = await rig();
    flaky.answer.status = 500;
    // Round-robin: every other request reaches the flaky node until it has failed FAILURES_MAX times.
    for (let i = 0; i < FAILURES_MAX * 2; i++) await get();
    expect(flakyNode.seen).toHaveLength(FAILURES_MAX);
    const after = [];
    for (let i = 0; i < 6; i++) after.push(await get());
    expect(after).toEqual(Array.from({ length: 6 }, () => 'steady'));
    expect(flakyNode.seen).toHaveLength(FAILURES_MAX);
  });

  it('reports the ejection, its end and the pool’s ejection count in /stats and /health', async () => {
    const { flaky, flakyNode, gw, get, stats } = await rig();
    flaky.answer.status = 500;
    for (let i = 0; i < FAILURES_MAX * 2; i++) await get();
    const report = await stats();
    const flakyStats = report.upstreams.find((u) => u.url === flakyNode.url);
    expect(flakyStats?.ejection).toMatchObject({ ejected: true, timesEjected: 1 });
    expect(Date.parse(flakyStats?.ejection.until ?? '')).toBeGreaterThan(Date.now());
    expect(report.pools.validators.ejections).toBe(1);
    await gw.probeNow();
    const health = NetworkHealth.parse(await (await fetch(gw.api('/health'))).json());
    const node = health.nodes.find((n) => n.url === flakyNode.url);
    expect(node?.membership).toMatchObject({ source: 'config', weight: 1, ejectedUntil: flakyStats?.ejection.until });
  });

  it('gives an ejected node traffic again once its cool-down has passed', async () => {
    const { flaky, flakyNode, get } = await rig();
    flaky.answer.status = 500;
    for (let i = 0; i < FAILURES_MAX * 2; i++) await get();
    flaky.answer.status = 200;
    await new Promise((r) => setTimeout(r, BASE_EJECTION_MS + 200));
    const served = new Set<string | undefined>();
    for (let i = 0; i < 4; i++) served.add(await get());
    expect(served).toEqual(new Set(['flaky', 'steady']));
    expect(flakyNode.seen.length).toBeGreaterThan(FAILURES_MAX);
  });

  it('keeps the last node of a pool in rotation however often it fails', async () => {
    const lone = switchableAnswer('lone');
    lone.answer.status = 500;
    const node = await startFakeUpstream('lone', lone.handler);
    closers.push(() => node.close());
    const gw = await startTestGateway({ validators: [node.url] }, { GATEWAY_EJECT_FAILURES: '2', GATEWAY_BREAKER_VOLUME_MIN: '1000' });
    closers.push(() => gw.close());
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(gw.api('/consensus/blocks/1'))).status);
    // The node's own 500 reaches the client each time: never a 503 for lack of a member.
    expect(statuses).toEqual([500, 500, 500, 500, 500]);
    expect(node.seen).toHaveLength(5);
  });
});
