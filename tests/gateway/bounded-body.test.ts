import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe, PROBE_BODY_MAX_BYTES } from '../../gateway/health/probe.ts';
import { Upstream } from '../../gateway/pools/upstream.ts';
import { readTextBounded } from '../../runtime/bounded-body.ts';
import { UndiciTransport } from '../../gateway/proxy/undici-transport.ts';
import { CLUSTER_SECRET } from './support.ts';

/** A node that answers health with a body of any size, and small text split inside a multi-byte character. */
describe('the bounded reader of bodies, as the gateway uses it', () => {
  let server: Server;
  let url: string;
  let healthBodyBytes = 0;
  // One connection: a body left half-read would hold it and the next request would never be sent.
  const transport = new UndiciTransport({ connectTimeoutMs: 1_000, connectionsPerUpstreamMax: 1, keepAliveTimeoutMs: 4_000 });

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/split') {
        const bytes = Buffer.from('température 21.5 °C', 'utf8');
        const cut = bytes.indexOf(Buffer.from('é', 'utf8')) + 1; // inside the two bytes of é
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.write(bytes.subarray(0, cut));
        setImmediate(() => res.end(bytes.subarray(cut)));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ role: 'validator', status: 'degraded', details: { pad: 'x'.repeat(healthBodyBytes) } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const get = (path: string) =>
    transport.send(url, { method: 'GET', path, headers: {}, body: null, signal: AbortSignal.timeout(5_000), headersTimeoutMs: 5_000, bodyIdleTimeoutMs: 5_000 });

  it('reads a body within the limit whole, characters split across chunks included', async () => {
    const res = await get('/split');
    expect(await readTextBounded(res.body as ReadableStream<Uint8Array>, 1_024)).toBe('température 21.5 °C');
  });

  it('answers null past the limit and releases the connection for the next request', async () => {
    healthBodyBytes = 10_000;
    const big = await get('/big');
    expect(await readTextBounded(big.body as ReadableStream<Uint8Array>, 1_024)).toBeNull();
    const next = await get('/split');
    expect(await readTextBounded(next.body as ReadableStream<Uint8Array>, 1_024)).toBe('température 21.5 °C');
  });

  it('is what health probes read with: an oversized health answer is judged by its status alone', async () => {
    const probe = httpProbe(transport, { clusterSecret: CLUSTER_SECRET, timeoutMs: 5_000 });
    healthBodyBytes = 100;
    const small = await probe(new Upstream('validators', url));
    expect(small).toMatchObject({ status: 'degraded', details: { pad: 'x'.repeat(100) } });

    healthBodyBytes = PROBE_BODY_MAX_BYTES;
    const oversized = await probe(new Upstream('validators', url));
    expect(oversized.status).toBe('up');
    expect(oversized.details).toBeUndefined();
  });
});
