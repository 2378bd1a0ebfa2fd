import { describe, expect, it } from 'vitest';
import { gatewayWithOneValidator } from './support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('gateway request ids', () => {
  const suite = gatewayWithOneValidator();

  /** One proxied request: the id the client got back, the one the upstream saw, and the access log lines naming it. */
  const exchange = async (headers: Record<string, string>) => {
    const { gw, upstream } = suite;
    const before = upstream.seen.length;
    const res = await fetch(gw.api('/consensus/status'), { headers });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const echoed = res.headers.get('x-request-id') ?? '';
    const upstreamSaw = upstream.seen[before]?.headers['x-request-id'];
    // The line is written once the answer is ready, which is before the client has read it.
    const logged = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request' && l.requestId === echoed);
    return { echoed, upstreamSaw, logged };
  };

  it('propagates a valid client id to the upstream, echoes it and logs it', async () => {
    const { echoed, upstreamSaw, logged } = await exchange({ 'x-request-id': 'trace-7f3a_=' });
    expect(echoed).toBe('trace-7f3a_=');
    expect(upstreamSaw).toBe('trace-7f3a_=');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ method: 'GET', path: '/api/v11/consensus/status', status: 200 });
  });

  it('generates an id when the client sends none, and uses the same one upstream, in the answer and in the log', async () => {
    const { echoed, upstreamSaw, logged } = await exchange({});
    expect(echoed).toMatch(UUID);
    expect(upstreamSaw).toBe(echoed);
    expect(logged).toHaveLength(1);
  });

  it('replaces an id with characters outside letters, digits, _ - and = by a generated one', async () => {
    const { echoed, upstreamSaw, logged } = await exchange({ 'x-request-id': 'inject\tme; drop' });
    expect(echoed).toMatch(UUID);
    expect(upstreamSaw).toBe(echoed);
    expect(logged).toHaveLength(1);
  });

  it('replaces an id longer than 128 characters by a generated one', async () => {
    const { echoed, upstreamSaw } = await exchange({ 'x-request-id': 'a'.repeat(129) });
    expect(echoed).toMatch(UUID);
    expect(upstreamSaw).toBe(echoed);
  });
});
