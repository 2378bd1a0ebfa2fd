import { CLUSTER_TOKEN_HEADER, PRINCIPAL_ID_HEADER, PRINCIPAL_ROLE_HEADER } from '../../runtime/cluster-auth.ts';
import type { KeyPrincipal } from '../auth/key-service.ts';

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
  clientAddress: string | undefined;
  /** `http` or `https`, as the client reached the gateway. */
  proto: string;
  host: string | undefined;
}

/** The headers sent upstream: the client's end-to-end headers, then what the gateway vouches for. */
export function upstreamRequestHeaders(incoming: Headers, ctx: ForwardContext): Record<string, string> {
  const dropped = connectionListed(incoming);
  const out: Record<string, string> = {};
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || name.startsWith('proxy-') || dropped.has(name)) continue;
    if (GATEWAY_OWNED.has(name) || isPrincipalHeader(name)) continue;
    out[name] = value;
  }
  out[CLUSTER_TOKEN_HEADER] = ctx.clusterSecret;
  out[PRINCIPAL_ID_HEADER] = ctx.principal?.id ?? ANONYMOUS_PRINCIPAL_ID;
  if (ctx.principal !== null) out[PRINCIPAL_ROLE_HEADER] = ctx.principal.role;
  if (ctx.clientAddress !== undefined) out['x-forwarded-for'] = ctx.clientAddress;
  out['x-forwarded-proto'] = ctx.proto;
  if (ctx.host !== undefined) out['x-forwarded-host'] = ctx.host;
  out['x-request-id'] = ctx.requestId;
  return out;
}

/** The headers passed back to the client: hop-by-hop ones go, and cluster secrets never leave. */
export function clientResponseHeaders(upstream: Headers): Headers {
  const dropped = connectionListed(upstream);
  const out = new Headers();
  for (const [name, value] of upstream) {
    if (HOP_BY_HOP.has(name) || name.startsWith('proxy-') || dropped.has(name)) continue;
    if (name === CLUSTER_TOKEN_HEADER || isPrincipalHeader(name)) continue;
    if (name === 'set-cookie') continue; // re-added below: Headers iteration would join them into one
    out.append(name, value);
  }
  for (const cookie of upstream.getSetCookie()) out.append('set-cookie', cookie);
  return out;
}

/** Headers named in `Connection` are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionListed(headers: Headers): Set<string> {
  const value = headers.get('connection');
  if (value === null) return new Set();
  return new Set(
    value
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s.length > 0),
  );
}
