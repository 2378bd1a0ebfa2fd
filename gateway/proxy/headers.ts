import { CLUSTER_TOKEN_HEADER, PRINCIPAL_ID_HEADER, PRINCIPAL_ROLE_HEADER } from '../../runtime/cluster-auth.ts';
import type { KeyPrincipal } from '../auth/key-service.ts';
import type { UpstreamHeaders } from './transport.ts';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus host and expect, which the proxy sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'host']);

/**
 * Headers only the gateway may set: the cluster token and principal (a client sending them would
 * impersonate the gateway), the forwarding chain (the gateway is the edge, so the client's
 * claims about it are not evidence), and the API key itself, which upstreams do not need.
 */
const GATEWAY_OWNED = new Set([
  CLUSTER_TOKEN_HEADER,
  'authorization',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
]);
const isPrincipalHeader = (name: string) => name.startsWith('x-principal-');

export const ANONYMOUS_PRINCIPAL_ID = 'anonymous';

export interface ForwardContext {
  clusterSecret: string;
  /** Null on public routes. */
  principal: KeyPrincipal | null;
  requestId: string;
  /** The direct peer's address (the socket's), not anything a header claims. */
  clientAddress: string | undefined;
  /**
   * The peer is a configured proxy in front of the gateway (GATEWAY_TRUSTED_PROXIES): its
   * X-Forwarded-* headers are believed, the For chain extended with the peer's address.
   */
  peerTrusted: boolean;
  /** `http` or `https`, as the client reached the gateway. */
  proto: string;
  host: string | undefined;
}

/**
 * Request header fields by lower-case name, as Node's parser hands them over: repeated fields
 * joined into one value (a few, such as set-cookie, as a list).
 */
export type RequestHeaderFields = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Web-standard Headers as such a record (Headers already joins repeated fields). */
export const headerFieldsOf = (headers: Headers): RequestHeaderFields => Object.fromEntries(headers);

const single = (value: string | readonly string[] | undefined): string | undefined => (value === undefined || typeof value === 'string' ? value : value.join(', '));

/** The headers sent upstream: the client's end-to-end headers, then what the gateway vouches for. */
export function upstreamRequestHeaders(incoming: RequestHeaderFields, ctx: ForwardContext): Record<string, string> {
  const connection = single(incoming.connection);
  const dropped = connection === undefined ? NONE : connectionTokens(connection);
  const out: Record<string, string> = {};
  for (const name in incoming) {
    const value = single(incoming[name]);
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || name.startsWith('proxy-') || dropped.has(name)) continue;
    if (GATEWAY_OWNED.has(name) || isPrincipalHeader(name)) continue;
    out[name] = value;
  }
  out[CLUSTER_TOKEN_HEADER] = ctx.clusterSecret;
  out[PRINCIPAL_ID_HEADER] = ctx.principal?.id ?? ANONYMOUS_PRINCIPAL_ID;
  if (ctx.principal !== null) out[PRINCIPAL_ROLE_HEADER] = ctx.principal.role;
  const forwardedFor = forwardedChain(ctx.peerTrusted ? single(incoming['x-forwarded-for']) : undefined, ctx.clientAddress);
  if (forwardedFor !== undefined) out['x-forwarded-for'] = forwardedFor;
  // A trusted proxy saw the original scheme and host (it may have terminated TLS); otherwise the gateway's own view.
  out['x-forwarded-proto'] = (ctx.peerTrusted ? single(incoming['x-forwarded-proto']) : undefined) ?? ctx.proto;
  const host = (ctx.peerTrusted ? single(incoming['x-forwarded-host']) : undefined) ?? ctx.host;
  if (host !== undefined) out['x-forwarded-host'] = host;
  out['x-request-id'] = ctx.requestId;
  return out;
}

/** The For chain: a trusted proxy's chain with the peer appended (`client, proxy1, peer`), or the peer alone. */
function forwardedChain(trustedChain: string | undefined, peer: string | undefined): string | undefined {
  const chain = trustedChain?.trim();
  if (chain === undefined || chain === '') return peer;
  return peer === undefined ? chain : `${chain}, ${peer}`;
}

/** Response header fields for the client, by name; set-cookie and other repeated fields as lists. */
export type ClientHeaders = Record<string, string | string[]>;

/** The headers passed back to the client: hop-by-hop ones go, and cluster secrets never leave. */
export function clientResponseHeaders(upstream: UpstreamHeaders): ClientHeaders {
  const dropped = droppedByConnection(upstream);
  // No prototype: a field named __proto__ is a field like any other.
  const out: ClientHeaders = Object.create(null) as ClientHeaders;
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || !passesToClient(name, dropped)) continue;
    out[name] = typeof value === 'string' ? value : [...value];
  }
  return out;
}

/**
 * The same fields as clientResponseHeaders, as a flat list of names and values (`[name, value,
 * name, value, …]`, a repeated field once per value): what ServerResponse.writeHead takes as it
 * is, without a header object in between. Fields named in `replaced` are left out: the caller
 * sets its own.
 */
export function clientResponseFields(upstream: UpstreamHeaders, replaced: ReadonlySet<string>): string[] {
  const dropped = droppedByConnection(upstream);
  const out: string[] = [];
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || !passesToClient(name, dropped) || replaced.has(name)) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const item of value) out.push(name, item);
  }
  return out;
}

/** Whether a flat field list (clientResponseFields) has a field of this lower-case name. */
export function hasField(fields: readonly string[], name: string): boolean {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return true;
  return false;
}

const droppedByConnection = (upstream: UpstreamHeaders): ReadonlySet<string> => {
  const connection = upstream.connection;
  return connection === undefined ? NONE : connectionTokens(typeof connection === 'string' ? connection : connection.join(','));
};

/** Not hop-by-hop (by definition or by the message's Connection), and no cluster secret or principal. */
const passesToClient = (name: string, dropped: ReadonlySet<string>): boolean =>
  !HOP_BY_HOP.has(name) && !name.startsWith('proxy-') && !dropped.has(name) && name !== CLUSTER_TOKEN_HEADER && !isPrincipalHeader(name);

const NONE: ReadonlySet<string> = new Set();

/** Headers named in `Connection` are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(value: string): ReadonlySet<string> {
  // What nearly every peer sends names no other header: no set to build per message.
  if (value === 'keep-alive' || value === 'close') return NONE;
  return new Set(
    value
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s.length > 0),
  );
}
