import { describe, expect, it } from 'vitest';
import { gatewayWithOneValidator, rawGet } from './support.ts';

/**
 * undici refuses to send some connection-level headers at all (Keep-Alive, Upgrade, Expect,
 * Transfer-Encoding, Connection): were the gateway to pass a client's on, the request would fail
 * with 502 instead of reaching the upstream.
 */
describe('gateway hop-by-hop request headers', () => {
  const suite = gatewayWithOneValidator();

  const forward = async (headers: Record<string, string>) => {
    const before = suite.upstream.seen.length;
    const res = await rawGet(suite.gw.api('/consensus/status'), headers);
    return { status: res.status, seen: suite.upstream.seen[before]?.headers };
  };

  it('drops a Keep-Alive header and still forwards the request', async () => {
    const { status, seen } = await forward({ 'keep-alive': 'timeout=5, max=100' });
    expect(status).toBe(200);
    expect(seen?.['keep-alive']).toBeUndefined();
  });

  it('drops an Upgrade header and still forwards the request', async () => {
    const { status, seen } = await forward({ upgrade: 'websocket' });
    expect(status).toBe(200);
    expect(seen?.upgrade).toBeUndefined();
  });

  it('drops an Expect header and still forwards the request', async () => {
    const { status, seen } = await forward({ expect: '100-continue' });
    expect(status).toBe(200);
    expect(seen?.expect).toBeUndefined();
  });

  it("drops a bodiless GET's Transfer-Encoding and still forwards the request", async () => {
    const { status, seen } = await forward({ 'transfer-encoding': 'chunked' });
    expect(status).toBe(200);
    expect(seen?.['transfer-encoding']).toBeUndefined();
  });
});
