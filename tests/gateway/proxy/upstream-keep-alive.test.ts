import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { UPSTREAM_KEEP_ALIVE_MS } from '../../../gateway/index.ts';
import { gatewayWithOneValidator } from './support.ts';

/**
 * Every node serves HTTP through runtime/http.ts startServer, which keeps Node's default idle
 * timeout for keep-alive connections; the fake upstream here (node:http) has the same.
 */
const NODE_SERVER_KEEP_ALIVE_MS = createServer().keepAliveTimeout;
const BURST_REQUESTS = 40;

describe('gateway keep-alive to upstreams', () => {
  const suite = gatewayWithOneValidator();

  const burst = async (): Promise<number[]> =>
    Promise.all(
      Array.from({ length: BURST_REQUESTS }, async () => {
        const res = await fetch(suite.gw.api('/consensus/status'));
        await res.arrayBuffer();
        return res.status;
      }),
    );

  it("closes idle upstream connections before the upstream's server would", () => {
    expect(UPSTREAM_KEEP_ALIVE_MS).toBeLessThan(NODE_SERVER_KEEP_ALIVE_MS);
  });

  it("answers a burst after the pool sat idle as long as the upstream's own idle timeout, without a reset connection", async () => {
    // Open a pool's worth of connections, then leave them idle until the upstream is about to close its side.
    expect(new Set(await burst())).toEqual(new Set([200]));
    await new Promise((r) => setTimeout(r, NODE_SERVER_KEEP_ALIVE_MS));
    // One node and so no retry elsewhere: a reused socket the upstream had closed would surface as a 502.
    expect(new Set(await burst())).toEqual(new Set([200]));
  }, 30_000);
});
