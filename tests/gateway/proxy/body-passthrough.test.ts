import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway } from '../support.ts';
import { rawGet } from './support.ts';

/** Compressible JSON, large enough that its brotli form is far past the size the gateway reads whole. */
const BIG_JSON = JSON.stringify(Array.from({ length: 40_000 }, (_, i) => ({ i, asset: `asset-${i % 97}`, value: (i * 7919) % 1000 })));
const SMALL_JSON = JSON.stringify({ asset: 'a-1', value: 42, note: 'x'.repeat(500) });
const GZIPPED_SMALL = gzipSync(SMALL_JSON);
/** Random bytes do not compress: this brotli body stays as large as its input. */
const BROTLI_BIG = brotliCompressSync(Buffer.concat([Buffer.from(BIG_JSON), randomBytes(300_000)]));

/** Total body of the upload test, and what the upstream reads before it stops reading for a while. */
const UPLOAD_BYTES = 64 * 1024 * 1024;
const UPLOAD_CHUNK_BYTES = 64 * 1024;
/**
 * Bytes the client may have handed over while the upstream reads nothing: socket buffers on the
 * way (up to a few MiB each on loopback) and a few stream buffers. Far below the whole body.
 */
const UPLOAD_IN_FLIGHT_BYTES_MAX = 24 * 1024 * 1024;

/** Upstream answers the test is holding open, ended by it. */
const slowAnswers: ServerResponse[] = [];
const closedAnswers: string[] = [];
/** Uploads the upstream has not started reading; the test lets them go. */
const heldUploads: { req: IncomingMessage; res: ServerResponse }[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  if (url.endsWith('/gzip-small')) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': GZIPPED_SMALL.length, vary: 'accept-encoding' });
    res.end(GZIPPED_SMALL);
    return;
  }
  if (url.endsWith('/brotli-big')) {
    // No Content-Length: sent chunked, so the gateway streams it.
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' });
    for (let at = 0; at < BROTLI_BIG.length; at += 16_384) res.write(BROTLI_BIG.subarray(at, at + 16_384));
    res.end();
    return;
  }
  if (url.endsWith('/slow-big')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(Buffer.alloc(65_536, 1));
    res.on('close', () => closedAnswers.push(url));
    slowAnswers.push(res);
    return; // the rest never comes: the client leaves first
  }
  if (req.method === 'POST') {
    req.pause(); // reads nothing until the test says so
    heldUploads.push({ req, res });
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true }));
}

describe('gateway proxy bodies', () => {
  let validator: FakeUpstream;
  let slim: FakeUpstream;
  let gw: TestGateway;
  let dapp: string;
  let provider: string;

  beforeAll(async () => {
    validator = await startFakeUpstream('v', handle, { streamBody: true });
    slim = await startFakeUpstream('slim', handle, { streamBody: true });
    gw = await startTestGateway({ validators: [validator.url], slim: [slim.url] }, { BODY_LIMIT_BYTES: String(2 * UPLOAD_BYTES) });
    dapp = (await gw.keys.issue('dapp', 'bodies dapp')).key;
    provider = (await gw.keys.issue('provider', 'bodies provider')).key;
  });
  afterAll(async () => {
    for (const r of slowAnswers) r.destroy();
    for (const u of heldUploads) u.req.destroy();
    await gw.close();
    await Promise.all([validator.close(), slim.close()]);
  });

  it('passes a small gzip answer through byte for byte, with its Content-Encoding, undecoded', async () => {
    const res = await rawGet(gw.api('/state/assets/gzip-small'), { ...bearer(dapp), 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toBe('accept-encoding');
    expect(res.body.equals(GZIPPED_SMALL)).toBe(true);
  });

  it('streams a large chunked brotli answer through byte for byte, with its Content-Encoding, undecoded', async () => {
    const res = await rawGet(gw.api('/state/assets/brotli-big'), { ...bearer(dapp), 'accept-encoding': 'br' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.body.length).toBe(BROTLI_BIG.length);
    expect(res.body.equals(BROTLI_BIG)).toBe(true);
  });

  it('streams a large upload with backpressure: while the upstream reads nothing, the client can hand over only a bounded part of it', async () => {
    let offeredBytes = 0;
    const chunk = new Uint8Array(UPLOAD_CHUNK_BYTES).fill(7);
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (offeredBytes >= UPLOAD_BYTES) return controller.close();
          offeredBytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );
    const answer = fetch(gw.api('/external/feeds'), {
      method: 'POST',
      headers: { ...bearer(provider), 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);

    await expect.poll(() => heldUploads.length, { timeout: 10_000 }).toBe(1);
    // Wait until the client can push no further: the buffers on the way are full.
    let previous = -1;
    await expect
      .poll(
        async () => {
          const settled = offeredBytes === previous;
          previous = offeredBytes;
          await new Promise((r) => setTimeout(r, 300));
          return settled;
        },
        { timeout: 20_000, interval: 0 },
      )
      .toBe(true);
    expect(offeredBytes).toBeGreaterThan(0);
    expect(offeredBytes).toBeLessThan(UPLOAD_IN_FLIGHT_BYTES_MAX);

    // The upstream now reads everything: the whole body arrives, intact.
    const { req, res } = heldUploads[0] as (typeof heldUploads)[number];
    let receivedBytes = 0;
    let allSevens = true;
    req.on('data', (c: Buffer) => {
      receivedBytes += c.length;
      if (allSevens && c.some((b) => b !== 7)) allSevens = false;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ receivedBytes }));
    });
    req.resume();
    const done = await answer;
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ receivedBytes: UPLOAD_BYTES });
    expect(allSevens).toBe(true);
  }, 60_000);

  it('survives a client that disconnects mid-way through an ordinary answer: the upstream exchange is aborted and the gateway keeps serving', async () => {
    const closedBefore = closedAnswers.length;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(gw.api('/state/assets/slow-big'), { headers: bearer(dapp) }, (res) => {
        res.once('data', () => {
          req.destroy(); // gone after the first bytes
          resolve();
        });
      });
      req.on('error', () => {}); // the destroy itself
      req.once('error', reject);
      req.end();
    });
    await expect.poll(() => closedAnswers.length, { timeout: 10_000 }).toBe(closedBefore + 1);
    const next = await fetch(gw.api('/state/assets/plain'), { headers: bearer(dapp) });
    expect(next.status).toBe(200);
    expect(await next.json()).toEqual({ ok: true });
  });
});
