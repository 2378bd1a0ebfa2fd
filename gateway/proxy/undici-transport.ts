import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Pool } from 'undici';
import type { UpstreamHeaders, UpstreamRequest, UpstreamResponse, UpstreamTransport } from './transport.ts';

export interface UndiciTransportOptions {
  /** TCP (and TLS) connection set-up limit. */
  connectTimeoutMs: number;
  /** Open connections per upstream; requests beyond it queue in the pool. */
  connectionsPerUpstreamMax: number;
  /** Idle keep-alive connections are closed after this long (capped by the upstream's own hint). */
  keepAliveTimeoutMs: number;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** A declared length at most `maxBytes` (a chunked answer, without one, is always streamed). */
function fitsBuffer(contentLength: string | readonly string[] | undefined, maxBytes: number): boolean {
  if (maxBytes <= 0 || typeof contentLength !== 'string') return false;
  const length = Number(contentLength);
  return Number.isSafeInteger(length) && length >= 0 && length <= maxBytes;
}

/** The Node edge of the proxy: one undici Pool per upstream origin, with keep-alive connections. */
export class UndiciTransport implements UpstreamTransport {
  private readonly pools = new Map<string, Pool>();
  /** By upstream URL; as many as there are upstreams, like the pools. */
  private readonly targets = new Map<string, { pool: Pool; basePath: string }>();
  private closed = false;

  constructor(private readonly options: UndiciTransportOptions) {}

  async send(baseUrl: string, request: UpstreamRequest): Promise<UpstreamResponse> {
    const { pool, basePath } = this.poolFor(baseUrl);
    const answer = await pool.request({
      method: request.method,
      path: `${basePath}${request.path}`,
      headers: request.headers,
      body: request.body === null ? null : Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>),
      signal: request.signal,
      headersTimeout: request.headersTimeoutMs,
      bodyTimeout: request.bodyIdleTimeoutMs,
    });
    // undici's header object is already what the proxy needs: lower-case names, repeated fields as lists.
    const headers: UpstreamHeaders = answer.headers;
    if (request.method === 'HEAD' || NULL_BODY_STATUSES.has(answer.statusCode)) {
      // Nothing to read, but the stream must end so the connection can be reused.
      answer.body.resume();
      return { status: answer.statusCode, headers, body: null };
    }
    if (fitsBuffer(headers['content-length'], request.bufferBodyBytesMax ?? 0)) {
      // undici has checked the length against Content-Length; the body timeout still applies while reading.
      return { status: answer.statusCode, headers, body: null, bytes: new Uint8Array(await answer.body.arrayBuffer()) };
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
    this.targets.clear();
    // destroy, not close: open streams (server-sent events) would otherwise keep close() waiting forever.
    await Promise.all(pools.map((p) => p.destroy()));
  }

  /** The pool of an upstream's origin, and the path its URL adds in front of every request; parsed once per URL. */
  private poolFor(baseUrl: string): { pool: Pool; basePath: string } {
    if (this.closed) throw new Error('the upstream transport is closed');
    const known = this.targets.get(baseUrl);
    if (known !== undefined) return known;
    const base = new URL(baseUrl);
    let pool = this.pools.get(base.origin);
    if (pool === undefined) {
      pool = new Pool(base.origin, {
        connections: this.options.connectionsPerUpstreamMax,
        keepAliveTimeout: this.options.keepAliveTimeoutMs,
        connect: { timeout: this.options.connectTimeoutMs },
      });
      this.pools.set(base.origin, pool);
    }
    const target = { pool, basePath: base.pathname.replace(/\/+$/, '') };
    this.targets.set(baseUrl, target);
    return target;
  }
}
