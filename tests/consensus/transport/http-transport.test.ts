import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../../../consensus/raft/index.ts';
import { encodeFrame, HttpPeerTransport, type HttpPeerTransportLimits, type PeerMessage } from '../../../consensus/transport/index.ts';
import { appendMessage } from './arbitraries.ts';
import { heartbeat, SECRET, silentLogger, startPeerServer, until, type PeerServer } from './support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function peerServer(selfId: NodeId, options: Parameters<typeof startPeerServer>[1] = {}): Promise<PeerServer> {
  const peer = await startPeerServer(selfId, options);
  cleanups.push(() => peer.close());
  return peer;
}

function transport(peers: Record<NodeId, string>, limits: Partial<HttpPeerTransportLimits> = {}, secret = SECRET) {
  const unreachable: NodeId[] = [];
  const reachable: NodeId[] = [];
  const t = new HttpPeerTransport({
    selfId: 'v1',
    peers,
    clusterSecret: secret,
    logger: silentLogger,
    onUnreachable: (id) => unreachable.push(id),
    onReachable: (id) => reachable.push(id),
    limits,
  });
  cleanups.push(() => t.close());
  return { t, unreachable, reachable };
}

const messagesOf = (peer: PeerServer): PeerMessage[] => peer.received.flatMap((r) => r.messages);

/** A port that nothing listens on: bound once, then released. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A server that accepts connections and requests and never answers, tracking its open sockets. */
async function silentServer(): Promise<{ url: string; sockets: Set<Socket>; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer(() => {});
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, sockets, server };
}

describe('HTTP peer transport', () => {
  it('each peer receives its own messages, in send order, authenticated as the sender', async () => {
    const v2 = await peerServer('v2');
    const v3 = await peerServer('v3');
    const { t, unreachable } = transport({ v2: v2.server.url, v3: v3.server.url });
    const sent: PeerMessage[] = [];
    for (let i = 1; i <= 30; i++) {
      const batch = [heartbeat('v1', 'v2', i), appendMessage('v1', 'v3', i, 2, 50)];
      sent.push(...batch);
      t.send(batch);
    }
    await until('both peers received all', () => messagesOf(v2).length === 30 && messagesOf(v3).length === 30);
    expect(messagesOf(v2)).toEqual(sent.filter((m) => m.to === 'v2'));
    expect(messagesOf(v3)).toEqual(sent.filter((m) => m.to === 'v3'));
    expect(new Set([...v2.received, ...v3.received].map((r) => r.from))).toEqual(new Set(['v1']));
    expect(unreachable).toEqual([]);
  });

  it('messages sent while a request is in flight travel together in the next request', async () => {
    const v2 = await peerServer('v2');
    const { t } = transport({ v2: v2.server.url });
    t.send([heartbeat('v1', 'v2', 0)]);
    for (let i = 1; i <= 50; i++) t.send([heartbeat('v1', 'v2', i)]);
    await until('all received', () => messagesOf(v2).length === 51);
    expect(v2.received.map((r) => r.messages.length)).toEqual([1, 50]);
    expect(messagesOf(v2).map((m) => (m.type === 'heartbeat' ? m.commit : -1))).toEqual(Array.from({ length: 51 }, (_, i) => i));
  });

  it('a batch is cut at the per-request message bound, keeping order across requests', async () => {
    const v2 = await peerServer('v2');
    const { t } = transport({ v2: v2.server.url }, { batchMessagesMax: 10 });
    for (let i = 0; i < 31; i++) t.send([heartbeat('v1', 'v2', i)]);
    await until('all received', () => messagesOf(v2).length === 31);
    expect(v2.received.map((r) => r.messages.length)).toEqual([1, 10, 10, 10]);
    expect(messagesOf(v2).map((m) => (m.type === 'heartbeat' ? m.commit : -1))).toEqual(Array.from({ length: 31 }, (_, i) => i));
  });

  it('messages past the queue bound are dropped and the peer is reported unreachable', async () => {
    const v2 = await peerServer('v2');
    const { t, unreachable } = transport({ v2: v2.server.url }, { queueMessagesMax: 3 });
    t.send([heartbeat('v1', 'v2', 0)]);
    t.send(Array.from({ length: 10 }, (_, i) => heartbeat('v1', 'v2', i + 1)));
    await until('reported', () => unreachable.length > 0);
    await until('queued ones delivered', () => t.stats()[0]?.deliveredMessages === 4);
    expect(messagesOf(v2).map((m) => (m.type === 'heartbeat' ? m.commit : -1))).toEqual([0, 1, 2, 3]);
    expect(unreachable).toEqual(['v2']);
    expect(t.stats()[0]).toMatchObject({ droppedMessages: 7, deliveredMessages: 4 });
  });

  it('a peer that is down is reported unreachable, and receives again once it is up', async () => {
    const port = await freePort();
    const { t, unreachable } = transport({ v2: `http://127.0.0.1:${port}` }, { backoffMsMin: 20, backoffMsMax: 50 });
    t.send([heartbeat('v1', 'v2', 1)]);
    await until('reported unreachable', () => unreachable.includes('v2'));

    const v2 = await peerServer('v2', { port });
    let commit = 2;
    // Like a leader's heartbeats: sends go on at intervals, and one after the backoff gets through.
    await until(
      'received after restart',
      () => {
        t.send([heartbeat('v1', 'v2', commit++)]);
        return messagesOf(v2).length > 0;
      },
      200,
      20,
    );
    expect(messagesOf(v2)[0]).toMatchObject({ type: 'heartbeat', from: 'v1' });
    await until('the link counts itself healthy again', () => t.stats()[0]?.consecutiveFailures === 0);
  });

  it('a peer that answers again after failed requests is reported reachable, once per outage', async () => {
    const port = await freePort();
    const { t, unreachable, reachable } = transport({ v2: `http://127.0.0.1:${port}` }, { backoffMsMin: 20, backoffMsMax: 50 });
    t.send([heartbeat('v1', 'v2', 1)]);
    await until('reported unreachable', () => unreachable.includes('v2'));
    expect(reachable).toEqual([]);

    const v2 = await peerServer('v2', { port });
    let commit = 2;
    await until(
      'reported reachable',
      () => {
        t.send([heartbeat('v1', 'v2', commit++)]);
        return reachable.length > 0;
      },
      200,
      20,
    );
    const delivered = messagesOf(v2).length;
    t.send([heartbeat('v1', 'v2', commit++)]);
    await until('a later message arrives', () => messagesOf(v2).length > delivered);
    expect(reachable).toEqual(['v2']);
  });

  it('a peer that refuses the request (another cluster secret) is reported unreachable', async () => {
    const v2 = await peerServer('v2');
    const { t, unreachable } = transport({ v2: v2.server.url }, {}, 'another-clusters-secret');
    t.send([heartbeat('v1', 'v2', 1)]);
    await until('reported', () => unreachable.length > 0);
    expect(unreachable).toEqual(['v2']);
    expect(v2.received).toEqual([]);
  });

  it('a peer that never answers is reported unreachable once the request times out', async () => {
    const silent = await silentServer();
    const { t, unreachable } = transport({ v2: silent.url }, { requestTimeoutMs: 200 });
    t.send([heartbeat('v1', 'v2', 1)]);
    await until('reported', () => unreachable.length > 0);
    expect(unreachable).toEqual(['v2']);
    expect(t.stats()[0]).toMatchObject({ failedRequests: 1, droppedMessages: 1, inFlight: false });
  });

  it('a message claiming another sender is not sent, and the messages beside it still arrive', async () => {
    const v2 = await peerServer('v2');
    const { t } = transport({ v2: v2.server.url });
    t.send([heartbeat('v1', 'v2', 1), heartbeat('v3', 'v2', 2), heartbeat('v1', 'v2', 3)]);
    await until('delivered', () => t.stats()[0]?.deliveredMessages === 2);
    expect(messagesOf(v2)).toEqual([heartbeat('v1', 'v2', 1), heartbeat('v1', 'v2', 3)]);
  });

  it('a peer with an address that is not a URL is left out instead of failing the caller', async () => {
    const { t, unreachable } = transport({});
    t.setPeer('v2', 'not a url');
    t.send([heartbeat('v1', 'v2', 1)]);
    await until('reported', () => unreachable.length > 0);
    expect(t.stats()).toEqual([]);
  });

  it('messages to a node that is not a peer are dropped and reported', async () => {
    const { t, unreachable } = transport({});
    t.send([heartbeat('v1', 'v9', 1)]);
    await until('reported', () => unreachable.length > 0);
    expect(unreachable).toEqual(['v9']);
  });

  it('a removed peer receives nothing more; setPeer points a peer at a new address', async () => {
    const first = await peerServer('v2');
    const second = await peerServer('v2');
    const { t } = transport({ v2: first.server.url });
    t.send([heartbeat('v1', 'v2', 1)]);
    await until('first received', () => messagesOf(first).length === 1);

    t.setPeer('v2', second.server.url);
    t.send([heartbeat('v1', 'v2', 2)]);
    await until('second received', () => messagesOf(second).length === 1);

    t.removePeer('v2');
    t.send([heartbeat('v1', 'v2', 3)]);
    t.setPeer('v3', first.server.url.replace('127.0.0.1', 'localhost'));
    expect(t.stats().map((s) => s.id)).toEqual(['v3']);
    expect(messagesOf(first)).toHaveLength(1);
    expect(messagesOf(second)).toHaveLength(1);
  });

  it('a large append batch arrives whole', async () => {
    const v2 = await peerServer('v2');
    const { t } = transport({ v2: v2.server.url });
    const big = appendMessage('v1', 'v2', 1, 10_000, 200);
    t.send([big]);
    await until('received', () => messagesOf(v2).length === 1);
    // Compared through the deterministic encoding: a deep equality over 10,000 byte arrays takes seconds.
    expect(Buffer.from(encodeFrame(messagesOf(v2))).equals(encodeFrame([big]))).toBe(true);
  });

  it('close() ends connections and in-flight requests at once, and nothing is reported after it', async () => {
    const silent = await silentServer();
    const { t, unreachable } = transport({ v2: silent.url }, { requestTimeoutMs: 20_000 });
    t.send([heartbeat('v1', 'v2', 1)]);
    await until('connected', () => silent.sockets.size === 1);
    await t.close();
    await until('server sees the connection closed', () => silent.sockets.size === 0);
    t.send([heartbeat('v1', 'v2', 2)]);
    await new Promise((r) => setTimeout(r, 50));
    expect(unreachable).toEqual([]);
    expect(t.stats()).toEqual([]);
  });

  it('close() leaves no open sockets behind', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const v2 = await peerServer('v2');
    const before = sockets();
    const { t } = transport({ v2: v2.server.url });
    t.send([heartbeat('v1', 'v2', 1)]);
    await until('delivered', () => t.stats()[0]?.deliveredMessages === 1);
    expect(sockets()).toBeGreaterThan(before);
    await t.close();
    // Within a second, well before the 4 s keep-alive would have closed them anyway.
    await until('sockets closed', () => sockets() === before, 40, 25);
  });
});
