import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startValidator } from '../../consensus/index.ts';
import { ROUTE_POLICY } from '../../gateway/routing/policy.ts';
import { StreamSlots } from '../../gateway/streams/slots.ts';
import { CLUSTER_TOKEN_HEADER } from '../../runtime/cluster-auth.ts';
import { loadConfig } from '../../runtime/config.ts';
import type { RunningNode } from '../../runtime/node.ts';
import { ErrorBody, type IssuedKey } from '../../schemas/index.ts';
import { uniqueSchema } from '../support/databases.ts';
import { CLUSTER_SECRET, bearer, captureLogger, startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway, type UpstreamHandler } from './support.ts';

const EVENTS_PATH = '/channels/weather/events';

/** What a fake validator has been asked to hold open: event streams, and requests it never answers. */
interface Held {
  streams: ServerResponse[];
  streamsClosed: number;
  hung: ServerResponse[];
}

function holdingValidator(held: Held): UpstreamHandler {
  return (req, res) => {
    const url = req.url ?? '';
    if (url.startsWith(`/api/v11${EVENTS_PATH}`)) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('id: 1\ndata: {"n":1}\n\n');
      res.on('close', () => held.streamsClosed++);
      held.streams.push(res);
      return; // open until the test or the client ends it
    }
    if (url.startsWith('/api/v11/state/assets/slow')) {
      held.hung.push(res);
      return; // never answers
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ served: 'v', url }));
  };
}

interface Opened {
  status: number;
  retryAfter: string | null;
  code: string | undefined;
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  close(): void;
}

/** Everything opened by a test, closed after it whatever happened. */
const opened: Opened[] = [];

/** Opens an event stream as a client would; a 200 is read up to its first bytes, so it is open end to end. */
async function openStream(url: string, headers: Record<string, string>, firstChunk = true): Promise<Opened> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const close = () => controller.abort();
  if (res.status !== 200) {
    const code = ErrorBody.safeParse(await res.json()).data?.error.code;
    return { status: res.status, retryAfter: res.headers.get('retry-after'), code, reader: undefined, close };
  }
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  if (firstChunk) await reader.read();
  const stream: Opened = { status: 200, retryAfter: null, code: undefined, reader, close };
  opened.push(stream);
  return stream;
}

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

/** Reads a stream to its end; one the client closed already just ends. */
async function drain(stream: Opened): Promise<void> {
  try {
    while (stream.reader !== undefined && !(await stream.reader.read()).done);
  } catch {
    // closed by the client: nothing left to read
  }
}

describe('gateway event stream limits', () => {
  let held: Held;
  let validator: FakeUpstream;

  beforeAll(async () => {
    held = { streams: [], streamsClosed: 0, hung: [] };
    validator = await startFakeUpstream('v', holdingValidator(held));
  });
  afterEach(() => {
    for (const s of held.streams.splice(0)) s.end();
    for (const r of held.hung.splice(0)) r.destroy();
  });
  afterAll(async () => {
    await validator.close();
  });

  const withGateway = async (env: Record<string, string>, test: (gw: TestGateway, key: (label: string) => Promise<IssuedKey>) => Promise<void>) => {
    const gw = await startTestGateway({ validators: [validator.url] }, env);
    try {
      await test(gw, (label) => gw.keys.issue('dapp', label));
    } finally {
      // Streams end from the upstream and are read to their end, so none is cut by the shutdown.
      for (const s of held.streams.splice(0)) s.end();
      for (const s of opened.splice(0)) await drain(s);
      await gw.close();
    }
  };

  it("answers 429 RATE_LIMITED with Retry-After for a key's stream past its share, and admits one again once one is closed", async () => {
    await withGateway({ SSE_STREAMS_PER_KEY_MAX: '2' }, async (gw, key) => {
      const mine = await key('streams of one key');
      const url = gw.api(EVENTS_PATH);
      const first = await openStream(url, bearer(mine.key));
      expect((await openStream(url, bearer(mine.key))).status).toBe(200);
      const streamsAtUpstream = held.streams.length;

      const refused = await openStream(url, bearer(mine.key));
      expect(refused.status).toBe(429);
      expect(refused.code).toBe('RATE_LIMITED');
      expect(refused.retryAfter).toBe('5');
      expect(held.streams.length).toBe(streamsAtUpstream); // refused before reaching the validator

      // The share is per key: another key is not affected.
      expect((await openStream(url, bearer((await key('another key')).key))).status).toBe(200);

      const closedBefore = held.streamsClosed;
      first.close();
      await expect.poll(() => held.streamsClosed, { timeout: 5_000 }).toBe(closedBefore + 1);
      expect((await openStream(url, bearer(mine.key))).status).toBe(200);
    });
  });

  it('gives the slot back when the upstream ends the stream', async () => {
    await withGateway({ SSE_STREAMS_PER_KEY_MAX: '1' }, async (gw, key) => {
      const mine = await key('one stream');
      const url = gw.api(EVENTS_PATH);
      const stream = await openStream(url, bearer(mine.key));
      expect((await openStream(url, bearer(mine.key))).status).toBe(429);

      (held.streams.at(-1) as ServerResponse).end();
      expect((await stream.reader?.read())?.done).toBe(true);
      expect((await openStream(url, bearer(mine.key))).status).toBe(200);
    });
  });

  it('answers 503 UNAVAILABLE with Retry-After when every stream slot of the gateway is taken', async () => {
    await withGateway({ SSE_STREAMS_MAX: '2' }, async (gw, key) => {
      const url = gw.api(EVENTS_PATH);
      expect((await openStream(url, bearer((await key('a')).key))).status).toBe(200);
      expect((await openStream(url, bearer((await key('b')).key))).status).toBe(200);
      const refused = await openStream(url, bearer((await key('c')).key));
      expect(refused.status).toBe(503);
      expect(refused.code).toBe('UNAVAILABLE');
      expect(refused.retryAfter).toBe('5');
    });
  });

  it('keeps serving ordinary requests and health probes while the stream cap is reached', async () => {
    // As many streams as the ordinary pool has connections: shared, they would hold every one.
    await withGateway({ UPSTREAM_CONNECTIONS_MAX: '2', SSE_STREAMS_MAX: '2', SSE_STREAMS_PER_KEY_MAX: '2' }, async (gw, key) => {
      const mine = await key('stream holder');
      const url = gw.api(EVENTS_PATH);
      expect((await openStream(url, bearer(mine.key))).status).toBe(200);
      expect((await openStream(url, bearer(mine.key))).status).toBe(200);
      expect((await openStream(url, bearer((await key('other')).key))).status).toBe(503); // the cap is reached

      const res = await fetch(gw.api('/consensus/status'));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ served: 'v' });
      await gw.probeNow();
      expect(gw.registry.all().map((u) => u.health)).toEqual(['up']);
    });
  });

  it('keeps health probes passing while ordinary requests hold every connection to the upstream', async () => {
    await withGateway({ UPSTREAM_CONNECTIONS_MAX: '2' }, async (gw, key) => {
      const mine = await key('slow reader');
      const controller = new AbortController();
      const slow = [1, 2].map(() => fetch(gw.api('/state/assets/slow'), { headers: bearer(mine.key), signal: controller.signal }).catch(() => undefined));
      try {
        await expect.poll(() => held.hung.length, { timeout: 5_000 }).toBe(2);
        await gw.probeNow();
        expect(gw.registry.all().map((u) => u.health)).toEqual(['up']);
      } finally {
        controller.abort();
        await Promise.all(slow);
      }
    });
  });

  it('admits a slot once and counts a release once, however often it is released', () => {
    const slots = new StreamSlots(2, 2);
    const a = slots.acquire('k');
    expect(a.kind).toBe('admitted');
    if (a.kind === 'admitted') {
      a.release();
      a.release();
    }
    expect(slots.open).toBe(0);
    expect(slots.openBy('k')).toBe(0);
  });
});

describe('validator event stream limit, behind the gateway', () => {
  let validator: RunningNode;
  let gw: TestGateway;
  let dapp: IssuedKey;

  beforeAll(async () => {
    const config = loadConfig({
      ROLE: 'validator',
      HOST: '127.0.0.1',
      PORT: '0',
      CLUSTER_SECRET,
      DATA_DIR: 'memory://',
      DB_SCHEMA: uniqueSchema('validator_streams'),
      SSE_STREAMS_MAX: '1',
      BLOCK_SIGNATURE_ALG: 'ml_dsa44',
    });
    validator = await startValidator(config, captureLogger('silent').logger);
    gw = await startTestGateway({ validators: [validator.url] });
    dapp = await gw.keys.issue('dapp', 'validator streams');
  });
  afterAll(async () => {
    for (const s of opened.splice(0)) s.close();
    await gw?.close();
    await validator?.close();
  });

  it('answers 503 UNAVAILABLE with Retry-After past its own stream cap, through the gateway, and serves again once a stream ends', async () => {
    const url = gw.api(EVENTS_PATH);
    // A validator's stream sends nothing until there is an event: open means headers arrived.
    const first = await openStream(url, bearer(dapp.key), false);
    expect(first.status).toBe(200);

    const refused = await openStream(url, bearer(dapp.key), false);
    expect(refused.status).toBe(503);
    expect(refused.code).toBe('UNAVAILABLE');
    expect(refused.retryAfter).toBe('5');

    first.close();
    await expect
      .poll(
        async () => {
          const again = await openStream(url, bearer(dapp.key), false);
          return again.status;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(200);
  });

  it('serves every route the policy table sends to ledger nodes (no route reaches a node that lacks it)', async () => {
    const ledgerRules = ROUTE_POLICY.filter(
      (r) => r.target.kind === 'upstream' && r.target.tiers.flat().every((p) => p === 'validators' || p === 'business'),
    );
    expect(ledgerRules.length).toBeGreaterThan(0);
    const sample: Record<string, string> = { height: '0', hash: '0'.repeat(64), name: 'weather' };
    for (const rule of ledgerRules) {
      const path = rule.pattern.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => sample[name] ?? 'sample-1');
      const controller = new AbortController();
      const res = await fetch(`${validator.url}/api/v11${path}`, {
        method: rule.method,
        headers: { [CLUSTER_TOKEN_HEADER]: CLUSTER_SECRET },
        signal: controller.signal,
      });
      const json = (res.headers.get('content-type') ?? '').includes('application/json');
      const code = json ? ErrorBody.safeParse(await res.json()).data?.error.code : undefined;
      controller.abort(); // ends an event stream
      expect(code, `${rule.method} ${rule.pattern}`).not.toBe('ROUTE_NOT_FOUND');
    }
  });
});
