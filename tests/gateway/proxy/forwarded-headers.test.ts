import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeenRequest } from '../support.ts';
import { startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway } from '../support.ts';
import { rawGet } from './support.ts';

/** Two gateways, each opening its embedded database: slow on a busy machine. */
const GATEWAYS_START_TIMEOUT_MS = 120_000;
const PROBE_RETRY_MS = 100;

describe('gateway X-Forwarded-* headers', () => {
  let upstream: FakeUpstream;
  let edge: TestGateway;
  let behindProxy: TestGateway;

  beforeAll(async () => {
    upstream = await startFakeUpstream('v');
    // The test's requests come from 127.0.0.1: to `edge` an ordinary client, to `behindProxy` a trusted proxy.
    [edge, behindProxy] = await Promise.all([
      startTestGateway({ validators: [upstream.url] }),
      startTestGateway({ validators: [upstream.url] }, { GATEWAY_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.0/8' }),
    ]);
    // A start-up probe that timed out on a busy machine would keep the live upstream down until the next round.
    await Promise.all([upstreamUp(edge), upstreamUp(behindProxy)]);
  }, GATEWAYS_START_TIMEOUT_MS);

  /** Probes until the gateway finds its upstream up: one probe can time out while the whole suite loads the machine. */
  const upstreamUp = async (gw: TestGateway): Promise<void> => {
    for (;;) {
      await gw.probeNow();
      if (gw.registry.all().every((u) => u.health === 'up')) return;
      await new Promise((r) => setTimeout(r, PROBE_RETRY_MS));
    }
  };
  afterAll(async () => {
    await Promise.all([edge.close(), behindProxy.close()]);
    await upstream.close();
  });

  /** What the upstream received for one request through `gw`. */
  const forwarded = async (gw: TestGateway, headers: Record<string, string>): Promise<SeenRequest['headers']> => {
    const before = upstream.seen.length;
    expect((await rawGet(gw.api('/consensus/status'), headers)).status).toBe(200);
    const seen = upstream.seen[before];
    expect(seen).toBeDefined();
    return (seen as SeenRequest).headers;
  };

  it("replaces a client's X-Forwarded-For chain with the peer address when no proxy is trusted", async () => {
    const seen = await forwarded(edge, { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' });
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
  });

  it("ignores a client's X-Forwarded-Proto and -Host when no proxy is trusted, and sets its own", async () => {
    const seen = await forwarded(edge, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' });
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe(new URL(edge.url).host);
  });

  it('appends the peer address to the chain a trusted proxy sent', async () => {
    const seen = await forwarded(behindProxy, { 'x-forwarded-for': '203.0.113.9, 10.1.2.3' });
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 10.1.2.3, 127.0.0.1');
  });

  it('keeps the scheme and host a trusted proxy saw', async () => {
    const seen = await forwarded(behindProxy, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.org' });
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-host']).toBe('api.example.org');
  });

  it('sets the chain to the peer address when a trusted proxy sent none', async () => {
    const seen = await forwarded(behindProxy, {});
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe(new URL(behindProxy.url).host);
  });
});
