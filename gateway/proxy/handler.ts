import type { Context, Handler } from 'hono';
import type { ContentfulStatusCode, StatusCode } from 'hono/utils/http-status';
import { AppError } from '../../runtime/errors.ts';
import { errorResponse } from '../../runtime/http.ts';
import type { GatewayEnv } from '../env.ts';
import type { UpstreamRegistry } from '../pools/registry.ts';
import type { ProxyStats } from '../stats/counters.ts';
import { classifyUpstreamError } from './errors.ts';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.ts';
import type { UpstreamTransport } from './transport.ts';

/** A failed exchange is worth retrying soon: another member, or the same one back up. */
export const UPSTREAM_RETRY_AFTER_S = 1;

/**
 * Separate connections for separate kinds of traffic: an event stream holds its connection for
 * its whole life, so streams sharing the pool of ordinary requests would starve them.
 */
export interface ProxyTransports {
  /** Ordinary request and response exchanges. */
  requests: UpstreamTransport;
  /** Streaming routes (server-sent events), whose responses have no end in sight. */
  streams: UpstreamTransport;
}

export interface ProxyDeps {
  registry: UpstreamRegistry;
  transports: ProxyTransports;
  stats: ProxyStats;
  clusterSecret: string;
  /** Until the upstream's response headers arrive. */
  headersTimeoutMs: number;
  /** Longest silence between body chunks of an ordinary response; streaming routes have none. */
  bodyIdleTimeoutMs: number;
  /** When a pool has no healthy member: the next probe round may bring one back. */
  unavailableRetryAfterS: number;
  /** The client's address as the runtime sees it (the Node adapter reads the socket). */
  clientAddress: (c: Context<GatewayEnv>) => string | undefined;
}

/**
 * Forwards a routed, authorized request to a member of its pool: method, path and query
 * unchanged, bodies streamed both ways.
 */
export function proxyHandler(deps: ProxyDeps): Handler<GatewayEnv> {
  return async (c) => {
    const { rule } = c.var.route;
    if (rule.target.kind !== 'upstream') {
      // Invariant: every gateway-served rule has a handler registered ahead of the proxy.
      throw new AppError('INTERNAL', `no handler for ${rule.method} ${rule.pattern}`);
    }
    const upstream = deps.registry.select(rule.target.tiers);
    if (upstream === undefined) {
      const pools = rule.target.tiers.flat();
      deps.stats.unavailable(pools);
      throw new AppError('UNAVAILABLE', `no healthy node in ${pools.join(' or ')} can serve this now`, {
        retryAfterS: deps.unavailableRetryAfterS,
      });
    }

    const url = new URL(c.req.url);
    const signal = c.req.raw.signal;
    const forwardHeaders = upstreamRequestHeaders(c.req.raw.headers, {
      clusterSecret: deps.clusterSecret,
      principal: c.var.principal,
      requestId: c.var.requestId,
      clientAddress: deps.clientAddress(c),
      proto: url.protocol.replace(/:$/, ''),
      host: c.req.header('host'),
    });
    try {
      const streaming = rule.streaming === true;
      const transport = streaming ? deps.transports.streams : deps.transports.requests;
      const answer = await transport.send(upstream.url, {
        method: c.req.method,
        path: `${url.pathname}${url.search}`,
        headers: forwardHeaders,
        body: c.req.raw.body,
        signal,
        headersTimeoutMs: deps.headersTimeoutMs,
        bodyIdleTimeoutMs: streaming ? 0 : deps.bodyIdleTimeoutMs,
      });
      deps.stats.answered(upstream, answer.status);
      const headers = clientResponseHeaders(answer.headers);
      return answer.body === null
        ? c.body(null, { status: answer.status as StatusCode, headers })
        : c.body(answer.body, { status: answer.status as ContentfulStatusCode, headers });
    } catch (error) {
      const kind = classifyUpstreamError(error, signal.aborted);
      if (kind === 'body-too-large') {
        throw new AppError('PAYLOAD_TOO_LARGE', error instanceof Error ? error.message : 'the body is too large', { cause: error });
      }
      if (kind === 'aborted') {
        // Nobody is left to read this; answer without logging a warning for an ordinary disconnect.
        return errorResponse(c, new AppError('UPSTREAM_FAILED', 'the client closed the request'));
      }
      deps.stats.failed(upstream, kind);
      // The pool, not the member's address: the caller has no use for the cluster's layout.
      const where = `${upstream.pool} node`;
      throw kind === 'timeout'
        ? new AppError('UPSTREAM_TIMEOUT', `the ${where} did not answer in time`, { cause: error, retryAfterS: UPSTREAM_RETRY_AFTER_S })
        : new AppError('UPSTREAM_FAILED', `the ${where} could not be reached`, { cause: error, retryAfterS: UPSTREAM_RETRY_AFTER_S });
    }
  };
}
