import { afterEach, describe, expect, it } from 'vitest';
import { ErrorBody, GatewayStats } from '../../schemas/index.ts';
import { bearer, startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway, type UpstreamHandler } from './support.ts';

/** Breakers that never open and nodes never ejected here, so every request reaches the balancer's choice and retries can be counted. */
const NO_BREAKER = { GATEWAY_BREAKER_VOLUME_MIN: '100000', GATEWAY_EJECT_FAILURES: '100000' };

describe('gateway retries', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  const upstream = async (name: string, handler?: UpstreamHandler): Promise<FakeUpstream> => {
    const node = await startFakeUpstream(name, handler);
    closers.push(() => node.close());
    return node;
  };
  const gateway = async (pools: Parameters<typeof startTestGateway>[0], env: Record<string, string> = {}): Promise<TestGateway> => {
    const gw = await startTestGateway(pools, { ...NO_BREAKER, ...env });
    closers.push(() => gw.close());
    return gw;
  };
  /**
   * A node that passed its health probe and then went away: connections to it are refused, yet the
   * balancer still offers it until the next probe round (a minute away in these tests).
   */
  const doomed = async (name: string): Promise<{ url: string; die: () => Promise<void> }> => {
    const node = await startFakeUpstream(name);
    return { url: node.url, die: () => node.close() };
  };
  const probedThenDead = async (gw: TestGateway, nodes: { die: () => Promise<void> }[]) => {
    await gw.probeNow();
    for (const n of nodes) await n.die();
  };
  const statsOf = async (gw: TestGateway) => GatewayStats.parse(await (await fetch(gw.api('/stats'))).json());

  it('retries a GET that met a refused connection on another node of the pool, and it succeeds', async () => {
    const dead = await doomed('dead');
    const live = await upstream('live');
    const gw = await gateway({ validators: [dead.url, live.url] });
    await probedThenDead(gw, [dead]);
    const served = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(gw.api('/consensus/blocks/1'));
      expect(res.status).toBe(200);
      served.push(((await res.json()) as { served: string }).served);
    }
    expect(served).toEqual(['live', 'live', 'live', 'live']);
    const stats = await statsOf(gw);
    const deadFailures = stats.upstreams.find((u) => u.url === dead.url)?.failures ?? 0;
    expect(deadFailures).toBeGreaterThan(0);
    expect(stats.retries.attempted).toBe(deadFailures);
  });

  it('retries a GET answered 503 by one node on another node', async () => {
    const busy = await upstream('busy', (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"UNAVAILABLE","message":"busy"}}');
    });
    const live = await upstream('live');
    const gw = await gateway({ validators: [busy.url, live.url] });
    for (let i = 0; i < 4; i++) expect((await fetch(gw.api('/consensus/blocks/1'))).status).toBe(200);
    expect(busy.seen.length).toBeGreaterThan(0);
    expect((await statsOf(gw)).retries.attempted).toBe(busy.seen.length);
  });

  it('never retries a POST: the client gets 502 JSON with Retry-After when its node refused', async () => {
    const dead = await doomed('dead');
    const live = await upstream('live');
    const gw = await gateway({ slim: [dead.url, live.url] });
    await probedThenDead(gw, [dead]);
    const provider = await gw.keys.issue('provider', 'retry test provider');
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(gw.api('/external/feeds'), {
        method: 'POST',
        headers: { ...bearer(provider.key), 'content-type': 'application/json' },
        body: '{"n":1}',
      });
      statuses.push(res.status);
      if (res.status === 502) {
        expect(res.headers.get('retry-after')).toBe('1');
        expect(ErrorBody.parse(await res.json()).error.code).toBe('UPSTREAM_FAILED');
      } else {
        await res.body?.cancel();
      }
    }
    expect(statuses.sort()).toEqual([200, 200, 502, 502]);
    expect(live.seen.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect((await statsOf(gw)).retries.attempted).toBe(0);
  });

  it('stops retrying once the budget is spent when most requests fail, keeping retries near a fifth of the load', async () => {
    const nodes = [await doomed('dead-1'), await doomed('dead-2')];
    const gw = await gateway({ validators: nodes.map((n) => n.url) });
    await probedThenDead(gw, nodes);
    const requests = 60;
    for (let i = 0; i < requests; i++) {
      const res = await fetch(gw.api('/consensus/blocks/1'));
      expect(res.status).toBe(502);
      await res.body?.cancel();
    }
    const { retries, upstreams } = await statsOf(gw);
    // Starting balance 10 tokens, 0.2 per request, 1 per retry.
    expect(retries.attempted).toBeGreaterThanOrEqual(10);
    expect(retries.attempted).toBeLessThanOrEqual(10 + 0.2 * requests);
    expect(retries.budgetRefused).toBe(requests - retries.attempted);
    expect(upstreams.reduce((n, u) => n + u.failures, 0)).toBe(requests + retries.attempted);
  });
});

describe('gateway per-route timeouts', () => {
  const DELAY_MS = 2_500; // past /consensus/status's 2 s, well within the default PROXY_TIMEOUT_MS
  let slow: FakeUpstream | undefined;
  let gw: TestGateway | undefined;
  const timers = new Set<NodeJS.Timeout>();
  afterEach(async () => {
    for (const t of timers) clearTimeout(t);
    await gw?.close();
    await slow?.close();
  });

  it('answers 504 on a route whose own timeout is shorter than the default, and only there', async () => {
    slow = await startFakeUpstream('slow', (_req, res) => {
      const t = setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"served":"slow"}');
      }, DELAY_MS);
      timers.add(t);
    });
    gw = await startTestGateway({ validators: [slow.url] });
    const [status, block] = await Promise.all([fetch(gw.api('/consensus/status')), fetch(gw.api('/consensus/blocks/1'))]);
    expect(status.status).toBe(504);
    expect(status.headers.get('retry-after')).toBe('1');
    expect(ErrorBody.parse(await status.json()).error.code).toBe('UPSTREAM_TIMEOUT');
    expect(block.status).toBe(200);
    expect(await block.json()).toEqual({ served: 'slow' });
  });
});
