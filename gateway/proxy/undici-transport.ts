import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Pool, util, type Dispatcher } from 'undici';
import type { ClientSignal, UpstreamHeaders, UpstreamRequest, UpstreamResponse, UpstreamTransport } from './transport.ts';

export interface UndiciTransportOptions {
  /** TCP (and TLS) connection set-up limit. */
  connectTimeoutMs: number;
  /** Open connections per upstream; requests beyond it queue in the pool. */
  connectionsPerUpstreamMax: number;
  /** Idle keep-alive connections are closed after this long (capped by the upstream's own hint). */
  keepAliveTimeoutMs: number;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** The declared length when it is at most `maxBytes`, else null (a chunked answer, without one, is always streamed). */
function bufferableLength(contentLength: string | readonly string[] | undefined, maxBytes: number): number | null {
  if (maxBytes <= 0 || typeof contentLength !== 'string') return null;
  const length = Number(contentLength);
  return Number.isSafeInteger(length) && length >= 0 && length <= maxBytes ? length : null;
}

/** The Node edge of the proxy: one undici Pool per upstream origin, with keep-alive connections. */
export class UndiciTransport implements UpstreamTransport {
  private readonly pools = new Map<string, Pool>();
  /** By upstream URL; as many as there are upstreams, like the pools. */
  private readonly targets = new Map<string, { pool: Pool; basePath: string }>();
  private closed = false;

  constructor(private readonly options: UndiciTransportOptions) {}

  send(baseUrl: string, request: UpstreamRequest): Promise<UpstreamResponse> {
    const { pool, basePath } = this.poolFor(baseUrl);
    return new Promise((resolve, reject) => {
      pool.dispatch(
        {
          method: request.method as Dispatcher.HttpMethod,
          path: `${basePath}${request.path}`,
          headers: request.headers,
          body: request.body === null ? null : Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>),
          headersTimeout: request.headersTimeoutMs,
          bodyTimeout: request.bodyIdleTimeoutMs,
        },
        new Exchange(request, resolve, reject),
      );
    });
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

type Abort = (reason?: Error) => void;

/**
 * One exchange, driven by undici's dispatch callbacks rather than its promise API, whose body
 * stream and consumers cost more than the proxying itself for small answers. A small answer
 * (Content-Length within `bufferBodyBytesMax`) is collected and resolved whole; any other is
 * resolved at its headers with a body stream that passes chunks on as they arrive, pausing the
 * upstream while the reader lags. The request's signal aborts the exchange at any point, and so
 * does cancelling the body stream (the client went away).
 */
class Exchange implements Dispatcher.DispatchHandler {
  private abort: Abort | null = null;
  private settled = false;
  private status = 0;
  private headers: UpstreamHeaders = {};
  /** Collecting a small answer whole: its declared length, allocated once, and how much has arrived. */
  private collected: Uint8Array<ArrayBuffer> | null = null;
  private received = 0;
  /** Streaming a large or open-ended answer. */
  private stream: Readable | null = null;
  private readonly onAbort = () => this.abort?.(abortReason(this.request.signal));

  constructor(
    private readonly request: UpstreamRequest,
    private readonly resolve: (answer: UpstreamResponse) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  onConnect(abort: Abort): void {
    this.abort = abort;
    const { signal } = this.request;
    if (signal.aborted) abort(abortReason(signal));
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.status = statusCode;
    // Lower-case names, repeated fields as lists: what the proxy passes on.
    this.headers = util.parseHeaders(rawHeaders) as UpstreamHeaders;
    if (this.request.method === 'HEAD' || NULL_BODY_STATUSES.has(statusCode)) {
      this.settle({ status: statusCode, headers: this.headers, body: null });
      return true;
    }
    const length = bufferableLength(this.headers['content-length'], this.request.bufferBodyBytesMax ?? 0);
    if (length !== null) {
      // Unsafe is fine: every byte handed on is written by onData first. Small ones come from Node's buffer pool.
      this.collected = Buffer.allocUnsafe(length);
      return true;
    }
    const stream = new Readable({ read: () => resume() });
    // Cancelled by its reader before the end: the exchange has nobody left to answer.
    stream.once('close', () => {
      if (!stream.readableEnded) this.abort?.(new Error('the reader of the answer went away'));
    });
    this.stream = stream;
    this.settle({ status: statusCode, headers: this.headers, body: Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array> });
    return true;
  }

  onData(chunk: Buffer): boolean {
    // undici reuses its read buffer: a kept chunk is a copy (into the collected answer, or a new Buffer for the stream).
    if (this.collected !== null) {
      // undici frames the body by its Content-Length, so it never overflows; if it did, the exchange fails.
      if (this.received + chunk.byteLength > this.collected.byteLength) throw new Error('the upstream sent more than its Content-Length');
      this.collected.set(chunk, this.received);
      this.received += chunk.byteLength;
      return true;
    }
    return this.stream?.push(Buffer.from(chunk)) ?? true;
  }

  onComplete(): void {
    this.done();
    if (this.collected !== null) {
      const bytes = this.received === this.collected.byteLength ? this.collected : this.collected.subarray(0, this.received);
      this.settle({ status: this.status, headers: this.headers, body: null, bytes });
    }
    this.stream?.push(null);
  }

  onError(error: Error): void {
    this.done();
    if (!this.settled) {
      this.settled = true;
      this.reject(error);
    }
    this.stream?.destroy(error);
  }

  private settle(answer: UpstreamResponse): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(answer);
  }

  /** The exchange is over: nothing left to abort. */
  private done(): void {
    this.abort = null;
    this.request.signal.removeEventListener('abort', this.onAbort);
  }
}

const abortReason = (signal: ClientSignal): Error => (signal.reason instanceof Error ? signal.reason : new Error('the request was aborted'));
