import { Pool } from 'undici';
import { readTextBounded } from '../../runtime/bounded-body.ts';
import type { Logger } from '../../runtime/logger.ts';
import { errorCode } from '../../runtime/undici-errors.ts';
import type { NodeId } from '../raft/index.ts';
import { PEER_MESSAGES_PATH, signPeerRequest } from './auth.ts';
import { encodeFrame } from './codec.ts';
import { PeerQueue, type PeerQueueLimits } from './peer-queue.ts';
import type { PeerMessage, PeerTransport } from './types.ts';

export interface HttpPeerTransportLimits extends PeerQueueLimits {
  /** One request's whole exchange, connect to answer; each request has its own timer. */
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** Idle connections close after this; below Node's server default of 5 s, so the client closes first and never reuses a socket the server is closing. */
  keepAliveTimeoutMs: number;
  /** After a failed request the peer's messages are dropped for a while, doubling from min to max. */
  backoffMsMin: number;
  backoffMsMax: number;
  /** Bytes of an error answer kept for the log. */
  errorBodyBytesMax: number;
}

export const HTTP_PEER_TRANSPORT_LIMITS: HttpPeerTransportLimits = {
  queueBytesMax: 64 * 1024 * 1024,
  queueMessagesMax: 16_384,
  batchBytesMax: 8 * 1024 * 1024,
  batchMessagesMax: 4096,
  requestTimeoutMs: 5_000,
  connectTimeoutMs: 1_000,
  keepAliveTimeoutMs: 4_000,
  backoffMsMin: 50,
  backoffMsMax: 1_000,
  errorBodyBytesMax: 2048,
};

export interface HttpPeerTransportOptions {
  selfId: NodeId;
  /** Peer id to base URL (`http://host:port`, optionally with a path prefix). */
  peers: ReadonlyMap<NodeId, string> | Readonly<Record<NodeId, string>>;
  clusterSecret: string;
  logger: Logger;
  /** A peer's messages were dropped (down, slow or unknown); called asynchronously, never inside send(). */
  onUnreachable: (id: NodeId) => void;
  /** A peer answered again after failed requests (it restarted or the network healed); called asynchronously. */
  onReachable?: (id: NodeId) => void;
  limits?: Partial<HttpPeerTransportLimits>;
  /** Wall clock in milliseconds: request timestamps and backoff. */
  nowMs?: () => number;
}

/** Counters of one peer link, for status pages and benches. */
export interface PeerLinkStats {
  id: NodeId;
  url: string;
  queuedMessages: number;
  queuedBytes: number;
  inFlight: boolean;
  /** Messages and frame bytes the peer acknowledged with 2xx. */
  deliveredMessages: number;
  deliveredBytes: number;
  droppedMessages: number;
  failedRequests: number;
  /** Failed requests since the last success. */
  consecutiveFailures: number;
}

/**
 * Sends peer messages over HTTP: one undici pool and one queue per peer, at most one request in
 * flight per peer (so a peer receives in send order), and whatever is queued while it is in
 * flight goes together in the next one. A failed request drops its batch and what waits behind
 * it, reports the peer unreachable and pauses that peer briefly; the next send after the pause
 * tries again, so a peer that comes back is reached without anything else doing it.
 */
export class HttpPeerTransport implements PeerTransport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly limits: HttpPeerTransportLimits;
  private readonly nowMs: () => number;
  private closed = false;

  constructor(private readonly options: HttpPeerTransportOptions) {
    this.limits = { ...HTTP_PEER_TRANSPORT_LIMITS, ...options.limits };
    this.nowMs = options.nowMs ?? Date.now;
    const peers = options.peers instanceof Map ? options.peers : new Map(Object.entries(options.peers));
    for (const [id, url] of peers) this.setPeer(id, url);
  }

  send(messages: readonly PeerMessage[]): void {
    if (this.closed) return;
    const touched = new Set<PeerLink>();
    const unreachable = new Set<NodeId>();
    const nowMs = this.nowMs();
    for (const m of messages) {
      if (m.from !== this.options.selfId) {
        // A receiver refuses a whole request holding a message it did not come from; dropping
        // this one keeps the messages batched with it deliverable.
        this.options.logger.error({ from: m.from, to: m.to, type: m.type }, 'not sending a message that claims another sender');
        continue;
      }
      const link = this.links.get(m.to);
      if (link === undefined) {
        unreachable.add(m.to);
        continue;
      }
      if (link.offer(m, nowMs)) touched.add(link);
      else unreachable.add(m.to);
    }
    for (const link of touched) link.pump();
    for (const id of unreachable) this.reportUnreachable(id);
  }

  setPeer(id: NodeId, url: string): void {
    if (this.closed || id === this.options.selfId) return;
    const known = this.links.get(id);
    if (known !== undefined) {
      if (known.url === url) return;
      this.retire(known);
    }
    this.links.delete(id);
    let link: PeerLink;
    try {
      link = new PeerLink(id, url, this.options, this.limits, this.nowMs, {
        unreachable: (peer) => this.reportUnreachable(peer),
        reachable: (peer) => this.notify(this.options.onReachable, peer),
      });
    } catch (err) {
      // A bad address is a configuration error: the peer stays unknown (its messages are reported unreachable) rather than the caller failing.
      this.options.logger.error({ err, peer: id, url }, 'peer address is not a usable URL');
      return;
    }
    this.links.set(id, link);
  }

  removePeer(id: NodeId): void {
    const link = this.links.get(id);
    if (link === undefined) return;
    this.links.delete(id);
    this.retire(link);
  }

  /** Closes a link in the background; close() of the transport waits for its own links only. */
  private retire(link: PeerLink): void {
    link.close().catch((err: unknown) => this.options.logger.warn({ err, peer: link.id }, 'closing a peer connection failed'));
  }

  async close(): Promise<void> {
    this.closed = true;
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((l) => l.close()));
  }

  stats(): PeerLinkStats[] {
    return [...this.links.values()].map((l) => l.stats());
  }

  private reportUnreachable(id: NodeId): void {
    this.notify(this.options.onUnreachable, id);
  }

  private notify(listener: ((id: NodeId) => void) | undefined, id: NodeId): void {
    if (listener === undefined) return;
    queueMicrotask(() => {
      if (this.closed) return;
      try {
        listener(id);
      } catch (err) {
        this.options.logger.error({ err, peer: id }, 'a peer reachability listener threw');
      }
    });
  }
}

/** The queue, pool and backoff of one peer. */
class PeerLink {
  private readonly queue: PeerQueue;
  private readonly pool: Pool;
  private readonly path: string;
  private inFlight = false;
  private closed = false;
  private retryAtMs = 0;
  private counters = { deliveredMessages: 0, deliveredBytes: 0, droppedMessages: 0, failedRequests: 0, consecutiveFailures: 0 };

  constructor(
    readonly id: NodeId,
    readonly url: string,
    private readonly options: HttpPeerTransportOptions,
    private readonly limits: HttpPeerTransportLimits,
    private readonly nowMs: () => number,
    private readonly report: { unreachable: (id: NodeId) => void; reachable: (id: NodeId) => void },
  ) {
    const base = new URL(url);
    this.path = `${base.pathname.replace(/\/+$/, '')}${PEER_MESSAGES_PATH}`;
    this.queue = new PeerQueue(limits);
    this.pool = new Pool(base.origin, {
      connections: 1,
      pipelining: 1,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      keepAliveMaxTimeout: limits.keepAliveTimeoutMs,
      connect: { timeout: limits.connectTimeoutMs },
      // The per-request AbortSignal bounds the exchange; these only must not cut it shorter.
      headersTimeout: limits.requestTimeoutMs,
      bodyTimeout: limits.requestTimeoutMs,
    });
  }

  /** Queues a message; false (dropped) while backing off or when the queue is full. */
  offer(m: PeerMessage, nowMs: number): boolean {
    const accepted = !this.closed && nowMs >= this.retryAtMs && this.queue.offer(m);
    if (!accepted) this.counters.droppedMessages++;
    return accepted;
  }

  /** Starts the next request unless one is in flight; its completion starts the one after. */
  pump(): void {
    if (this.inFlight || this.closed || this.queue.length === 0) return;
    this.inFlight = true;
    void this.deliver(this.queue.takeBatch()).finally(() => {
      this.inFlight = false;
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.clear();
    // destroy: an in-flight request is abandoned now rather than awaited up to its timeout.
    await this.pool.destroy();
  }

  stats(): PeerLinkStats {
    return { id: this.id, url: this.url, queuedMessages: this.queue.length, queuedBytes: this.queue.bytes, inFlight: this.inFlight, ...this.counters };
  }

  private async deliver(batch: PeerMessage[]): Promise<void> {
    let frameBytes = 0;
    try {
      const body = encodeFrame(batch);
      frameBytes = body.byteLength;
      const headers = {
        'content-type': 'application/octet-stream',
        ...signPeerRequest(this.options.clusterSecret, { from: this.options.selfId, to: this.id, timestampMs: this.nowMs(), body }),
      };
      const answer = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers,
        body,
        signal: AbortSignal.timeout(this.limits.requestTimeoutMs),
      });
      if (answer.statusCode >= 200 && answer.statusCode < 300) {
        await answer.body.dump();
        this.succeeded(batch.length, frameBytes);
        return;
      }
      const text = await readTextBounded(answer.body, this.limits.errorBodyBytesMax).catch(() => null);
      this.failed(batch.length, { status: answer.statusCode, answer: text });
    } catch (err) {
      this.failed(batch.length, { code: errorCode(err) || (err instanceof Error ? err.name : 'unknown'), err });
    }
  }

  private succeeded(messages: number, frameBytes: number): void {
    if (this.counters.consecutiveFailures > 0) {
      this.options.logger.info({ peer: this.id, failedRequests: this.counters.consecutiveFailures }, 'peer reachable again');
      this.report.reachable(this.id);
    }
    this.counters.consecutiveFailures = 0;
    this.counters.deliveredMessages += messages;
    this.counters.deliveredBytes += frameBytes;
  }

  private failed(messages: number, why: Record<string, unknown>): void {
    if (this.closed) return;
    const failures = ++this.counters.consecutiveFailures;
    this.counters.failedRequests++;
    const dropped = messages + this.queue.clear();
    this.counters.droppedMessages += dropped;
    const backoffMs = Math.min(this.limits.backoffMsMax, this.limits.backoffMsMin * 2 ** Math.min(failures - 1, 30));
    this.retryAtMs = this.nowMs() + backoffMs;
    // The first failure of a run is news; the rest of an outage would flood the log.
    const log = { peer: this.id, url: this.url, dropped, backoffMs, failures, ...why };
    if (failures === 1) this.options.logger.warn(log, 'peer request failed; dropping its messages');
    else this.options.logger.debug(log, 'peer request failed again');
    this.report.unreachable(this.id);
  }
}
