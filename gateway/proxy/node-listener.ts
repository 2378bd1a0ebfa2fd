import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { AppError } from '../../runtime/errors.ts';
import { answerableError, errorBody } from '../../runtime/http.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { ApiKeyService, KeyPrincipal } from '../auth/key-service.ts';
import { identifyCaller } from '../auth/middleware.ts';
import { logRequest } from '../http/access-log.ts';
import type { GatewayMetrics } from '../metrics/registry.ts';
import { acceptRequestId } from '../http/request-id.ts';
import type { HeaderField } from '../http/security-headers.ts';
import type { TrustedProxyCheck } from '../http/trusted-proxies.ts';
import type { RateDecision, RateGate } from '../rate-limit/index.ts';
import { decisionToReport, isAuthRoute, rateLimitHeaders } from '../rate-limit/policy.ts';
import type { RouteMatcher } from '../routing/match.ts';
import { API_PREFIX, type RouteRule } from '../routing/policy.ts';
import { forward, type ForwardDeps } from './forward.ts';
import { clientResponseFields, hasField, upstreamRequestHeaders, type RequestHeaderFields } from './headers.ts';
import { ResponseSignal } from './response-signal.ts';
import type { UpstreamHeaders, UpstreamResponse } from './transport.ts';

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface FastPathDeps extends ForwardDeps {
  matcher: RouteMatcher;
  keys: ApiKeyService;
  /** The limits of a proxied route, in the app's order: global before authentication, the key's tier after. */
  gates: { global: RateGate<void>; perKey: RateGate<KeyPrincipal | null> };
  clusterSecret: string;
  isTrustedProxy: TrustedProxyCheck;
  /** The API's security headers (securityHeaderFields), set on every answer. */
  securityHeaders: readonly HeaderField[];
  /** Cross-origin callers are configured: requests with an Origin take the app's path, where CORS is answered. */
  corsEnabled: boolean;
  logger: Logger;
  /** Where each served request is counted and timed (as the app's requests are). */
  metrics?: GatewayMetrics;
}

/**
 * The gateway's Node request listener. The common case — a bodiless request to a proxied,
 * non-streaming route — is served straight on node:http: the same policy functions as the app
 * (route table, request id, global limit, key and role, the key's tier, `forward`), in the same
 * order, without building web Request/Response objects or streams. Everything else (gateway-served
 * routes, 404/405, bodies, event streams, CORS, unusual request targets) goes to `fallback`, the
 * Hono app. Both write the same answers, headers and errors.
 */
export function gatewayListener(deps: FastPathDeps, fallback: NodeListener): NodeListener {
  const pairs = deps.securityHeaders.map(([name, value]) => [name.toLowerCase(), value] as const);
  const security: SecurityFields = { pairs, flat: pairs.flat(), names: new Set(pairs.map(([name]) => name)) };
  return (req, res) => {
    const rule = fastPathRule(deps, req);
    if (rule === null) {
      fallback(req, res);
      return;
    }
    serve(deps, security, rule, req, res).catch((error: unknown) => {
      // Only writing an answer can fail here (every other failure is answered): the connection goes, the gateway stays.
      deps.logger.error({ err: error }, 'writing an answer failed');
      res.destroy();
    });
  };
}

/**
 * Request targets the fast path takes as they are: a path under the API prefix without
 * percent-encoding or dot segments (which the app decodes and normalizes first), with a host of
 * letters, digits, dots, dashes and a port.
 */
const PLAIN_TARGET = /^\/[!#$&-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;
const PLAIN_HOST = /^[a-z0-9._-]+(?::\d{1,5})?$/;

/** The route of a request the fast path serves, or null when the app must. */
function fastPathRule(deps: FastPathDeps, req: IncomingMessage): RouteRule | null {
  const url = req.url ?? '';
  const host = req.headers.host;
  if (!url.startsWith(API_PREFIX) || !PLAIN_TARGET.test(url) || DOT_SEGMENT.test(url)) return null;
  if (host === undefined || !PLAIN_HOST.test(host)) return null;
  if (deps.corsEnabled && req.headers.origin !== undefined) return null;
  const method = req.method ?? '';
  if (method !== 'GET' && method !== 'HEAD') {
    const length = req.headers['content-length'];
    if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) return null;
  }
  const query = url.indexOf('?');
  const found = deps.matcher.match(method, query === -1 ? url : url.slice(0, query));
  if (found.kind !== 'matched' || found.rule.target.kind !== 'upstream' || found.rule.streaming === true) return null;
  // Attempts on /auth are limited per address around their answer: the app does that.
  if (isAuthRoute(found.rule)) return null;
  return found.rule;
}

/** The security headers, lower-cased once: as pairs, as a flat list for writeHead, and their names. */
interface SecurityFields {
  pairs: readonly (readonly [string, string])[];
  flat: readonly string[];
  names: ReadonlySet<string>;
}

async function serve(deps: FastPathDeps, security: SecurityFields, rule: RouteRule, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const startedMs = performance.now();
  const headers = req.headers as RequestHeaderFields;
  const claimedId = req.headers['x-request-id'];
  const requestId = acceptRequestId(typeof claimedId === 'string' ? claimedId : undefined);
  const decisions: RateDecision[] = [];
  let principal: KeyPrincipal | null = null;
  // The client's signal: a response closed before it finished means the client went away.
  const signal = new ResponseSignal(res);
  try {
    await deps.gates.global(undefined, decisions);
    principal = await identifyCaller(deps.keys, rule, req.headers.authorization);
    await deps.gates.perKey(principal, decisions);
    const peer = req.socket.remoteAddress;
    const forwarded = await forward(deps, {
      rule,
      method: req.method ?? 'GET',
      pathAndQuery: req.url ?? '/',
      headers: upstreamRequestHeaders(headers, {
        clusterSecret: deps.clusterSecret,
        principal,
        requestId,
        clientAddress: peer,
        peerTrusted: deps.isTrustedProxy(peer),
        proto: 'http',
        host: req.headers.host,
      }),
      body: null,
      signal,
    });
    if (forwarded.kind === 'client-gone') {
      writeError(res, forwarded.error, requestId, decisions, security);
    } else {
      writeAnswer(res, forwarded.answer, requestId, decisions, security);
    }
  } catch (error) {
    writeError(res, answerableError(error, deps.logger), requestId, decisions, security);
  }
  deps.metrics?.observeRequest(rule, '', req.method ?? '', res.statusCode, startedMs);
  if (deps.logger.isLevelEnabled('info')) {
    logRequest(deps.logger, { requestId, method: req.method ?? '', path: pathOf(req.url ?? '/'), status: res.statusCode, keyId: principal?.id, startedMs });
  }
}

const pathOf = (url: string): string => {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
};

/**
 * The headers the app would put on an answer: its request id and RateLimit-* fields, unless the
 * answer has its own; then the security headers over everything.
 */
function finalHeaders(own: OutgoingHttpHeaders, requestId: string, decisions: readonly RateDecision[], security: SecurityFields): OutgoingHttpHeaders {
  own['x-request-id'] ??= requestId;
  const decision = decisionToReport(decisions);
  if (decision !== undefined) {
    const fields = rateLimitHeaders(decision, Date.now());
    for (const name in fields) own[name.toLowerCase()] ??= fields[name];
  }
  for (const [name, value] of security.pairs) own[name] = value;
  return own;
}

/**
 * finalHeaders for a proxied answer, as a flat field list: the upstream's fields (without the
 * security headers, which replace any it sent), its request id and RateLimit-* fields unless it
 * has its own, then the security headers.
 */
function answerFields(upstream: UpstreamHeaders, requestId: string, decisions: readonly RateDecision[], security: SecurityFields): string[] {
  const fields = clientResponseFields(upstream, security.names);
  if (!hasField(fields, 'x-request-id')) fields.push('x-request-id', requestId);
  const decision = decisionToReport(decisions);
  if (decision !== undefined) {
    const limits = rateLimitHeaders(decision, Date.now());
    for (const name in limits) {
      const lower = name.toLowerCase();
      if (!hasField(fields, lower)) fields.push(lower, limits[name] as string);
    }
  }
  for (const field of security.flat) fields.push(field);
  return fields;
}

function writeAnswer(res: ServerResponse, answer: UpstreamResponse, requestId: string, decisions: readonly RateDecision[], security: SecurityFields): void {
  const body = answer.body === null ? null : Readable.fromWeb(answer.body as NodeReadableStream<Uint8Array>);
  if (res.destroyed) {
    // The client left while the answer was on its way: its exchange was aborted with it.
    body?.destroy();
    return;
  }
  res.writeHead(answer.status, answerFields(answer.headers, requestId, decisions, security));
  if (answer.bytes !== undefined) res.end(answer.bytes);
  else if (body === null) res.end();
  // A large or chunked answer, streamed with backpressure; either side failing or leaving destroys both.
  else pipeline(body, res, () => {});
}

function writeError(res: ServerResponse, error: AppError, requestId: string, decisions: readonly RateDecision[], security: SecurityFields): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(error));
  const own: OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (error.retryAfterS !== undefined) own['retry-after'] = String(error.retryAfterS);
  res.writeHead(error.status, finalHeaders(own, requestId, decisions, security));
  res.end(body);
}
