import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Pool } from 'undici';
import type { UpstreamRequest, UpstreamResponse, UpstreamTransport } from './transport.ts';

export interface UndiciTransportOptions {
  /** TCP (and TLS) connection set-up limit. */
  connectTimeoutMs: number;
  /** Open connections per upstream; requests beyond it queue in the pool. */
  connectionsPerUpstreamMax: number;
  /** Idle keep-alive connections are closed after this long (capped by the upstream's own hint). */
  keepAliveTimeoutMs: number;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** The Node edge of the proxy: one undici Pool per upstream origin, with keep-alive connections. */
export class UndiciTransport implements UpstreamTransport {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly options: UndiciTransportOptions) {}

  async send(baseUrl: string, request: UpstreamRequest): Promise<UpstreamResponse> {
    const base = new URL(baseUrl);
    const basePath = base.pathname.replace(/\/+$/, '');
    const answer = await this.poolFor(base.origin).request({
      method: request.method,
      path: `${basePath}${request.path}`,
      headers: request.headers,
      body: request.body === null ? null : Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>),
      signal: request.signal,
      headersTimeout: request.headersTimeoutMs,
      bodyTimeout: request.bodyIdleTimeoutMs,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    if (request.method === 'HEAD' || NULL_BODY_STATUSES.has(answer.statusCode)) {
      // Nothing to read, but the stream must end so the connection can be reused.
      answer.body.resume();
      return { status: answer.statusCode, headers, body: null };
    }
    // toWeb passes chunks on as they arrive (no buffering of the whole body), and cancelling
    // the web stream (the client went away) destroys the undici body, which aborts the exchange.
    const body = Readable.toWeb(answer.body) as unknown as ReadableStream<Uint8Array>;
    return { status: answer.statusCode, headers, body };
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    // destroy, not close: open streams (server-sent events) would otherwise keep close() waiting forever.
    await Promise.all(pools.map((p) => p.destroy()));
  }

  private poolFor(origin: string): Pool {
    if (this.closed) throw new Error('the upstream transport is closed');
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.options.connectionsPerUpstreamMax,
        keepAliveTimeout: this.options.keepAliveTimeoutMs,
        connect: { timeout: this.options.connectTimeoutMs },
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}
