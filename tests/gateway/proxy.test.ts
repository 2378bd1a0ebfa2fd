import { request as httpRequest, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, GatewayStats, IssuedKey } from '../../schemas/index.ts';
import { ADMIN_KEY, CLUSTER_SECRET, bearer, startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway, type UpstreamHandler } from './support.ts';

const BODY_LIMIT_BYTES = 1_024;
const PROXY_TIMEOUT_MS = 400;

/** Open event streams, ended by the test when it has seen what it needs. */
const openStreams: ServerResponse[] = [];
const closedStreams: string[] = [];

const validatorHandler =
  (name: string): UpstreamHandler =>
  (req, res, body) => {
    const url = req.url ?? '';
    if (url.startsWith('/api/v11/channels/weather/events')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('id: 1\ndata: {"n":1}\n\n');
      res.on('close', () => closedStreams.push(name));
      openStreams.push(res);
      return; // left open: the test ends it
    }
    if (url.startsWith('/api/v11/state/assets/slow')) return; // never answers
    res.writeHead(200, { 'content-type': 'application/json', connection: 'x-upstream-hop', 'x-upstream-hop': 'yes', 'x-cluster-token': 'leak' });
    res.end(JSON.stringify({ served: name, method: req.method, url, body }));
  };

describe('gateway proxy', () => {
  let v1: FakeUpstream;
  let v2: FakeUpstream;
  let slim: FakeUpstream;
  let gw: TestGateway;
  let provider: IssuedKey;
  let dapp: IssuedKey;

  beforeAll(async () => {
    v1 = await startFakeUpstream('v1', validatorHandler('v1'));
    v2 = await startFakeUpstream('v2', validatorHandler('v2'));
    slim = await startFakeUpstream('slim', validatorHandler('slim'));
    gw = await startTestGateway(
      { validators: [v1.url, v2.url], slim: [slim.url] },
      { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES), PROXY_TIMEOUT_MS: String(PROXY_TIMEOUT_MS) },
    );
    provider = await gw.keys.issue('provider', 'proxy test provider');
    dapp = await gw.keys.issue('dapp', 'proxy test dapp');
  });
  afterAll(async () => {
    for (const s of openStreams) s.end();
    await gw.close();
    await Promise.all([v1.close(), v2.close(), slim.close()]);
  });

  const served = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(gw.api(path), { headers });
    expect(res.status).toBe(200);
    return ((await res.json()) as { served: string }).served;
  };

  it('rotates requests round-robin across two healthy upstreams', async () => {
    const picks = [];
    for (let i = 0; i < 4; i++) picks.push(await served('/consensus/status'));
    expect(new Set(picks)).toEqual(new Set(['v1', 'v2']));
    expect(picks[0]).not.toBe(picks[1]);
    expect(picks[0]).toBe(picks[2]);
    expect(picks[1]).toBe(picks[3]);
  });

  it('skips an upstream whose health probe fails, and uses it again once it recovers', async () => {
    v2.healthStatus = 503;
    await gw.probeNow();
    try {
      for (let i = 0; i < 4; i++) expect(await served('/consensus/status')).toBe('v1');
    } finally {
      v2.healthStatus = 200;
      await gw.probeNow();
    }
    const picks = [await served('/consensus/status'), await served('/consensus/status')];
    expect(new Set(picks)).toEqual(new Set(['v1', 'v2']));
  });

  it('serves /transaction from validators when there is no business node', async () => {
    expect(['v1', 'v2']).toContain(await served('/transaction/abc', bearer(dapp.key)));
  });

  it('forwards method, path, query and body unchanged', async () => {
    const res = await fetch(gw.api('/external/feeds/f1/observations?dry=1&x=%20y'), {
      method: 'POST',
      headers: { ...bearer(provider.key), 'content-type': 'application/json' },
      body: '{"readings":[]}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      served: 'slim',
      method: 'POST',
      url: '/api/v11/external/feeds/f1/observations?dry=1&x=%20y',
      body: '{"readings":[]}',
    });
  });

  it('adds the cluster token and principal, and strips what the client claimed and hop-by-hop headers', async () => {
    const before = slim.seen.length;
    const { status, headers } = await rawRequest(gw.api('/external/feeds'), {
      ...bearer(provider.key),
      'x-cluster-token': 'forged',
      'x-principal-id': 'someone-else',
      'x-principal-role': 'admin',
      'x-principal-extra': 'forged',
      'x-forwarded-for': '203.0.113.9',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      connection: 'keep-alive, x-client-hop',
      'x-client-hop': 'drop me',
      te: 'trailers',
      'x-end-to-end': 'keep me',
    });
    expect(status).toBe(200);
    const seen = slim.seen[before]?.headers;
    expect(seen).toBeDefined();
    expect(seen?.['x-cluster-token']).toBe(CLUSTER_SECRET);
    expect(seen?.['x-principal-id']).toBe(provider.id);
    expect(seen?.['x-principal-role']).toBe('provider');
    expect(seen?.['x-principal-extra']).toBeUndefined();
    expect(seen?.['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.['x-forwarded-proto']).toBe('http');
    expect(seen?.['x-forwarded-host']).toBe(new URL(gw.url).host);
    expect(seen?.['proxy-authorization']).toBeUndefined();
    expect(seen?.['x-client-hop']).toBeUndefined();
    expect(seen?.te).toBeUndefined();
    expect(seen?.authorization).toBeUndefined();
    expect(seen?.['x-end-to-end']).toBe('keep me');
    // and on the way back: hop-by-hop and cluster headers do not reach the client
    expect(headers['x-upstream-hop']).toBeUndefined();
    expect(headers['x-cluster-token']).toBeUndefined();
  });

  it('propagates a client request id to the upstream and echoes it', async () => {
    const before = v1.seen.length + v2.seen.length;
    const res = await fetch(gw.api('/consensus/status'), { headers: { 'x-request-id': 'trace-42' } });
    await res.body?.cancel();
    expect(res.headers.get('x-request-id')).toBe('trace-42');
    const seen = [...v1.seen, ...v2.seen].filter((s) => s.headers['x-request-id'] === 'trace-42');
    expect(v1.seen.length + v2.seen.length).toBe(before + 1);
    expect(seen).toHaveLength(1);
  });

  it('generates a request id when the client sends none', async () => {
    const res = await fetch(gw.api('/consensus/status'));
    await res.body?.cancel();
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('passes server-sent events through as they come, before the upstream ends the stream', async () => {
    const streamsBefore = openStreams.length;
    const res = await fetch(gw.api('/channels/weather/events'), { headers: bearer(dapp.key) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe('id: 1\ndata: {"n":1}\n\n');
    // The upstream has not ended the stream: the first event came through on its own.
    const upstream = openStreams[streamsBefore] as ServerResponse;
    expect(upstream.writableEnded).toBe(false);
    upstream.write('id: 2\ndata: {"n":2}\n\n');
    const second = await reader.read();
    expect(decoder.decode(second.value)).toBe('id: 2\ndata: {"n":2}\n\n');
    upstream.end();
    expect((await reader.read()).done).toBe(true);
  });

  it('aborts the upstream exchange when the client disconnects mid-response, and keeps serving', async () => {
    const closedBefore = closedStreams.length;
    const controller = new AbortController();
    const res = await fetch(gw.api('/channels/weather/events'), { headers: bearer(dapp.key), signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await expect.poll(() => closedStreams.length, { timeout: 5_000 }).toBe(closedBefore + 1);
    const health = await fetch(gw.api('/info'));
    expect(health.status).toBe(200);
    expect(await served('/consensus/status')).toMatch(/^v[12]$/);
  });

  it('answers 504 UPSTREAM_TIMEOUT with Retry-After when the upstream sends no headers in time', async () => {
    const res = await fetch(gw.api('/state/assets/slow'), { headers: bearer(dapp.key) });
    expect(res.status).toBe(504);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(ErrorBody.parse(await res.json()).error.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('rejects a body over the limit with 413 from its Content-Length, without forwarding it', async () => {
    const before = slim.seen.length;
    const res = await fetch(gw.api('/external/feeds'), {
      method: 'POST',
      headers: { ...bearer(provider.key), 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT_BYTES) }),
    });
    expect(res.status).toBe(413);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(slim.seen.length).toBe(before);
  });

  /** A body that would never end: only the limit can stop it, so a 413 proves nobody waited for its end. */
  const endlessBody = () => {
    const chunk = new TextEncoder().encode('x'.repeat(512));
    return new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(chunk) });
  };

  it('rejects a chunked body with 413 as soon as it streams past the limit, on a proxied route', async () => {
    const before = slim.seen.length;
    const res = await fetch(gw.api('/external/feeds'), {
      method: 'POST',
      headers: { ...bearer(provider.key), 'content-type': 'application/json' },
      body: endlessBody(),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(slim.seen.length).toBe(before); // the upstream never received a complete request
  });

  it("rejects a chunked body with 413 on the gateway's own endpoints", async () => {
    const res = await fetch(gw.api('/auth/keys'), {
      method: 'POST',
      headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/json' },
      body: endlessBody(),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it("limits the gateway's own endpoints too", async () => {
    const res = await fetch(gw.api('/auth/keys'), {
      method: 'POST',
      headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'dapp', label: 'x'.repeat(BODY_LIMIT_BYTES) }),
    });
    expect(res.status).toBe(413);
  });

  it('counts proxied requests per pool, and upstream timeouts, in /stats', async () => {
    const stats = async () => GatewayStats.parse(await (await fetch(gw.api('/stats'))).json());
    const before = await stats();
    expect(await served('/consensus/status')).toMatch(/^v[12]$/);
    expect(await served('/external/feeds', bearer(provider.key))).toBe('slim');
    const slow = await fetch(gw.api('/state/assets/slow'), { headers: bearer(dapp.key) });
    expect(slow.status).toBe(504);
    await slow.body?.cancel();
    const after = await stats();
    expect(after.pools.validators.requests).toBe(before.pools.validators.requests + 1);
    expect(after.pools.slim.requests).toBe(before.pools.slim.requests + 1);
    expect(after.pools.validators.upstreamTimeouts).toBe(before.pools.validators.upstreamTimeouts + 1);
    expect(after.upstreams).toHaveLength(3);
  });

  it('answers 404 for a state path no route serves, without reaching an upstream', async () => {
    const before = v1.seen.length + v2.seen.length;
    const res = await fetch(gw.api('/state/holders/acct-1'), { headers: bearer(dapp.key) });
    expect(res.status).toBe(404);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('ROUTE_NOT_FOUND');
    expect(v1.seen.length + v2.seen.length).toBe(before);
  });
});

describe('gateway proxy with failing upstreams', () => {
  it('answers 502 UPSTREAM_FAILED JSON with Retry-After when the upstream refuses connections', async () => {
    const gone = await startFakeUpstream('gone');
    const gw = await startTestGateway({ validators: [gone.url] });
    try {
      await gw.probeNow(); // healthy at the last probe, then it dies before the next one
      await gone.close();
      const res = await fetch(gw.api('/consensus/status'));
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(ErrorBody.parse(await res.json()).error.code).toBe('UPSTREAM_FAILED');
    } finally {
      await gw.close();
    }
  });

  it('answers 503 UNAVAILABLE with Retry-After when no member of the pool is healthy', async () => {
    const sick = await startFakeUpstream('sick');
    sick.healthStatus = 500;
    const gw = await startTestGateway({ validators: [sick.url] }, { HEALTH_PROBE_INTERVAL_MS: '2000' });
    try {
      await gw.probeNow();
      const res = await fetch(gw.api('/consensus/status'));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(ErrorBody.parse(await res.json()).error.code).toBe('UNAVAILABLE');
    } finally {
      await gw.close();
      await sick.close();
    }
  });
});

/** node:http, because fetch refuses to send hop-by-hop headers such as Connection and TE. */
function rawRequest(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
