import type { Context, Handler } from 'hono';
import type { ContentfulStatusCode, StatusCode } from 'hono/utils/http-status';
import { errorResponse } from '../../runtime/http.ts';
import type { GatewayEnv } from '../env.ts';
import type { TrustedProxyCheck } from '../http/trusted-proxies.ts';
import { forward, type ForwardDeps } from './forward.ts';
import { clientResponseHeaders, headerFieldsOf, upstreamRequestHeaders } from './headers.ts';

export { type ProxyTransports } from './forward.ts';

export interface ProxyDeps extends ForwardDeps {
  clusterSecret: string;
  /** The direct peer's address as the runtime sees it (the Node adapter reads the socket). */
  peerAddress: (c: Context<GatewayEnv>) => string | undefined;
  /** Whether that address is a proxy in front of the gateway whose X-Forwarded-* headers are believed. */
  isTrustedProxy: TrustedProxyCheck;
}

/**
 * Forwards a routed, authorized request to a member of its pool: method, path and query
 * unchanged, bodies streamed both ways. The web-standard face of `forward`, for what the Node
 * fast path (node-listener.ts) leaves to the app: requests with bodies, event streams, CORS.
 */
export function proxyHandler(deps: ProxyDeps): Handler<GatewayEnv> {
  return async (c) => {
    const raw = c.req.raw;
    const { pathAndQuery, proto } = splitUrl(raw.url);
    const peerAddress = deps.peerAddress(c);
    const headers = upstreamRequestHeaders(headerFieldsOf(raw.headers), {
      clusterSecret: deps.clusterSecret,
      // c.get, not c.var: hono builds a fresh object of every variable on each c.var read.
      principal: c.get('principal'),
      requestId: c.get('requestId'),
      clientAddress: peerAddress,
      peerTrusted: deps.isTrustedProxy(peerAddress),
      proto,
      host: raw.headers.get('host') ?? undefined,
    });
    // Asked only when there is one: on Node, reading `body` builds the full web Request and a stream for it.
    const body = hasRequestBody(raw.method, raw.headers) ? raw.body : null;
    const forwarded = await forward(deps, { rule: c.get('route').rule, method: c.req.method, pathAndQuery, headers, body, signal: raw.signal });
    // Nobody is left to read this; answered without logging a warning for an ordinary disconnect.
    if (forwarded.kind === 'client-gone') return errorResponse(c, forwarded.error);
    const { answer } = forwarded;
    const answerHeaders = clientResponseHeaders(answer.headers);
    if (answer.bytes !== undefined) return c.body(answer.bytes, answer.status as ContentfulStatusCode, answerHeaders);
    return answer.body === null
      ? c.body(null, answer.status as StatusCode, answerHeaders)
      : c.body(answer.body, answer.status as ContentfulStatusCode, answerHeaders);
  };
}

/** Path and query of an absolute request URL, and its scheme, without a full URL parse per request. */
function splitUrl(url: string): { pathAndQuery: string; proto: string } {
  const schemeEnd = url.indexOf('://');
  const pathStart = url.indexOf('/', schemeEnd + 3);
  return { pathAndQuery: pathStart === -1 ? '/' : url.slice(pathStart), proto: url.slice(0, schemeEnd) };
}

/** A request carries a body only with a length or a transfer coding (RFC 9112 §6.3); GET and HEAD bodies are never read. */
export function hasRequestBody(method: string, headers: { get(name: string): string | null }): boolean {
  if (method === 'GET' || method === 'HEAD') return false;
  const length = headers.get('content-length');
  return (length !== null && length !== '0') || headers.get('transfer-encoding') !== null;
}
