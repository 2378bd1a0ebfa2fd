/** One request to an upstream node, in web-standard types so the proxy logic stays runtime-neutral. */
export interface UpstreamRequest {
  method: string;
  /** Path and query as sent by the client, starting with `/`. */
  path: string;
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array> | null;
  /** Aborts the upstream exchange, also after the headers (a client that went away). */
  signal: AbortSignal;
  /** Time allowed from sending the request until the response headers arrive. */
  headersTimeoutMs: number;
  /** Longest silence allowed between body chunks; 0 means none (server-sent events). */
  bodyIdleTimeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Headers;
  /** Null when the answer has no body by definition (HEAD, 204, 304). */
  body: ReadableStream<Uint8Array> | null;
}

/**
 * How the gateway reaches upstream nodes. The Node implementation keeps a keep-alive
 * connection pool per upstream; tests or another runtime could supply their own.
 */
export interface UpstreamTransport {
  send(baseUrl: string, request: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}
