/**
 * Response header fields by lower-case name; a field sent more than once (set-cookie) is a list.
 * A plain object, not `Headers`: the proxy copies them once onto the client's answer, and a
 * `Headers` in between would validate and copy every field a second time.
 */
export type UpstreamHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * What the proxy needs of the client's abort signal: an AbortSignal is one. The Node fast path
 * passes a lighter one of its own (ResponseSignal), since a new AbortController and its event
 * target per request cost a measurable share of proxying a small answer.
 */
export interface ClientSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** One request to an upstream node, in web-standard types so the proxy logic stays runtime-neutral. */
export interface UpstreamRequest {
  method: string;
  /** Path and query as sent by the client, starting with `/`. */
  path: string;
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array> | null;
  /** Aborts the upstream exchange, also after the headers (a client that went away). */
  signal: ClientSignal;
  /** Time allowed from sending the request until the response headers arrive. */
  headersTimeoutMs: number;
  /** Longest silence allowed between body chunks; 0 means none (server-sent events). */
  bodyIdleTimeoutMs: number;
  /**
   * An answer whose Content-Length is at most this is read whole before `send` resolves and
   * handed over as `bytes`: one write to the client instead of a stream pumped chunk by chunk.
   * 0 or absent: always streamed.
   */
  bufferBodyBytesMax?: number;
}

export interface UpstreamResponse {
  status: number;
  headers: UpstreamHeaders;
  /** Null when the answer has no body by definition (HEAD, 204, 304), or when it was read whole into `bytes`. */
  body: ReadableStream<Uint8Array> | null;
  /** The whole body, when it was small enough to read at once (UpstreamRequest.bufferBodyBytesMax). */
  bytes?: Uint8Array<ArrayBuffer>;
}

/**
 * How the gateway reaches upstream nodes. The Node implementation keeps a keep-alive
 * connection pool per upstream; tests or another runtime could supply their own.
 */
export interface UpstreamTransport {
  send(baseUrl: string, request: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}
