import { AppError } from '../../runtime/errors.ts';
import type { UpstreamRegistry } from '../pools/registry.ts';
import type { Upstream } from '../pools/upstream.ts';
import type { RouteRule } from '../routing/policy.ts';
import type { ProxyStats } from '../stats/counters.ts';
import { BreakerOpenError, type UpstreamBreakers } from './breakers.ts';
import { classifyUpstreamError } from './errors.ts';
import type { RetryBudget } from './retry-budget.ts';
import type { ClientSignal, UpstreamRequest, UpstreamResponse, UpstreamTransport } from './transport.ts';

/** A failed exchange is worth retrying soon: another member, or the same one back up. */
export const UPSTREAM_RETRY_AFTER_S = 1;

/**
 * Answers up to this size (by Content-Length) are read whole and sent to the client in one write;
 * larger or chunked ones, and every event stream, are streamed. Small enough that holding one per
 * request in flight costs little (128 connections × 64 KiB = 8 MiB per upstream at most).
 */
export const RESPONSE_BUFFER_BYTES_MAX = 65_536;

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

export interface ForwardDeps {
  registry: UpstreamRegistry;
  transports: ProxyTransports;
  stats: ProxyStats;
  breakers: UpstreamBreakers;
  retryBudget: RetryBudget;
  /** When a node's breaker is open: its reset timeout, after which a trial may bring it back. */
  breakerRetryAfterS: number;
  /** Until the upstream's response headers arrive, on routes without a timeout of their own. */
  headersTimeoutMs: number;
  /** Longest silence between body chunks of an ordinary response; streaming routes have none. */
  bodyIdleTimeoutMs: number;
  /** When a pool has no healthy member: the next probe round may bring one back. */
  unavailableRetryAfterS: number;
}

/** A routed, admitted request on its way upstream: method, path and query as the client sent them. */
export interface ForwardRequest {
  rule: RouteRule;
  method: string;
  pathAndQuery: string;
  /** What goes upstream (see upstreamRequestHeaders). */
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array> | null;
  /** The client's: aborted when it goes away. */
  signal: ClientSignal;
}

/** The upstream's answer, or the client went away first (an answer to nobody, not worth a warning). */
export type Forwarded = { kind: 'answered'; answer: UpstreamResponse } | { kind: 'client-gone'; error: AppError };

/**
 * Forwards a request to a member of its route's pool, through that member's breaker, retrying
 * once on another member when that is safe and the budget allows. Every failure to get an answer
 * is thrown as an AppError: 502, 503 or 504 with Retry-After, 413 for a body past the limit.
 * The one proxy procedure, whichever server path (Hono, or the Node fast path) calls it.
 */
export async function forward(deps: ForwardDeps, request: ForwardRequest): Promise<Forwarded> {
  const { rule, signal, body } = request;
  if (rule.target.kind !== 'upstream') {
    // Invariant: every gateway-served rule has a handler registered ahead of the proxy.
    throw new AppError('INTERNAL', `no handler for ${rule.method} ${rule.pattern}`);
  }
  const tiers = rule.target.tiers;
  const first = deps.registry.select(tiers);
  if (first === undefined) {
    const pools = tiers.flat();
    deps.stats.unavailable(pools);
    throw new AppError('UNAVAILABLE', `no healthy node in ${pools.join(' or ')} can serve this now`, {
      retryAfterS: deps.unavailableRetryAfterS,
    });
  }

  const streaming = rule.streaming === true;
  const transport = streaming ? deps.transports.streams : deps.transports.requests;
  // Each exchange gets its own deadlines (undici's per-request timers), so one slow route cannot cut another short.
  // The same request for every attempt: nothing in it depends on the member.
  const upstreamRequest: UpstreamRequest = {
    method: request.method,
    path: request.pathAndQuery,
    headers: request.headers,
    body,
    signal,
    headersTimeoutMs: rule.timeoutMs ?? deps.headersTimeoutMs,
    bodyIdleTimeoutMs: streaming ? 0 : deps.bodyIdleTimeoutMs,
    bufferBodyBytesMax: streaming ? 0 : RESPONSE_BUFFER_BYTES_MAX,
  };

  deps.retryBudget.deposit();
  let upstream = first;
  let outcome = await attempt(deps.breakers, transport, upstream, upstreamRequest);
  // A body stream cannot be replayed, so only bodiless idempotent requests are retried.
  if (IDEMPOTENT_METHODS.has(request.method) && body === null && worthRetrying(outcome, signal)) {
    const other = deps.registry.selectOther(tiers, upstream);
    if (other !== undefined) {
      if (deps.retryBudget.withdraw()) {
        record(deps, upstream, outcome, signal);
        if (outcome.ok) await drain(outcome.answer);
        deps.stats.retried();
        upstream = other;
        outcome = await attempt(deps.breakers, transport, upstream, upstreamRequest);
      } else {
        deps.stats.retryRefused();
      }
    }
  }
  record(deps, upstream, outcome, signal);
  if (outcome.ok) return { kind: 'answered', answer: outcome.answer };

  const { error } = outcome;
  // The pool, not the member's address: the caller has no use for the cluster's layout.
  const where = `${upstream.pool} node`;
  if (error instanceof BreakerOpenError) {
    throw new AppError('UNAVAILABLE', `the ${where} is failing and gets no traffic for now`, {
      retryAfterS: deps.breakerRetryAfterS,
    });
  }
  const kind = classifyUpstreamError(error, signal.aborted);
  if (kind === 'body-too-large') {
    throw new AppError('PAYLOAD_TOO_LARGE', error instanceof Error ? error.message : 'the body is too large', { cause: error });
  }
  if (kind === 'aborted') return { kind: 'client-gone', error: new AppError('UPSTREAM_FAILED', 'the client closed the request') };
  throw kind === 'timeout'
    ? new AppError('UPSTREAM_TIMEOUT', `the ${where} did not answer in time`, { cause: error, retryAfterS: UPSTREAM_RETRY_AFTER_S })
    : new AppError('UPSTREAM_FAILED', `the ${where} could not be reached`, { cause: error, retryAfterS: UPSTREAM_RETRY_AFTER_S });
}

/**
 * Methods whose repetition has the effect of one request (RFC 9110 §9.2.2). PUT and DELETE are
 * idempotent too, but here they carry bodies or change state on nodes whose answer we may have
 * lost mid-way; retrying them buys little, so they are left out.
 */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type Outcome = { ok: true; answer: UpstreamResponse } | { ok: false; error: unknown };

/** One exchange with `upstream` through its breaker, its failure as a value. */
async function attempt(breakers: UpstreamBreakers, transport: UpstreamTransport, upstream: Upstream, request: UpstreamRequest): Promise<Outcome> {
  try {
    return { ok: true, answer: await breakers.send(upstream, request.signal, () => transport.send(upstream.url, request)) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Whether another node may well succeed where this one did not, before any byte reached the
 * client: a 502/503 (the node's own dependency is missing, or it is overloaded), a connection
 * refused or broken, or a breaker that refused without trying. Not a timeout: the node may have
 * done the work, and a second wait would double the client's.
 */
function worthRetrying(outcome: Outcome, clientSignal: ClientSignal): boolean {
  if (clientSignal.aborted) return false;
  if (outcome.ok) return outcome.answer.status === 502 || outcome.answer.status === 503;
  if (outcome.error instanceof BreakerOpenError) return true;
  return classifyUpstreamError(outcome.error, false) === 'failed';
}

/**
 * Reads a discarded answer to its end (a short 502/503 error body), so its connection goes back to
 * the pool; cancelling the stream instead trips a Node bug (enqueue on a closed Readable.toWeb controller).
 */
async function drain(answer: UpstreamResponse): Promise<void> {
  await answer.body?.pipeTo(new WritableStream()).catch(() => {});
}

/** Counts one exchange's result in the stats. */
function record(deps: ForwardDeps, upstream: Upstream, outcome: Outcome, clientSignal: ClientSignal): void {
  if (outcome.ok) {
    deps.stats.answered(upstream, outcome.answer.status);
    return;
  }
  if (outcome.error instanceof BreakerOpenError) {
    deps.stats.breakerRejected();
    return;
  }
  const kind = classifyUpstreamError(outcome.error, clientSignal.aborted);
  if (kind === 'timeout' || kind === 'failed') deps.stats.failed(upstream, kind);
}
