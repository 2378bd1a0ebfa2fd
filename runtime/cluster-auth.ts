import type { MiddlewareHandler } from 'hono';
import { constantTimeEqual } from './constant-time.ts';
import { AppError } from './errors.ts';
import type { Role } from '../schemas/index.ts';
import { currentRequestId, REQUEST_ID_HEADER } from './request-context.ts';

/** Headers between roles: the cluster token proves the caller is a node; the principal says on whose behalf. */
export const CLUSTER_TOKEN_HEADER = 'x-cluster-token';
export const PRINCIPAL_ID_HEADER = 'x-principal-id';
export const PRINCIPAL_ROLE_HEADER = 'x-principal-role';

export interface Principal {
  id: string;
  /** `node`: a node calling for itself; `anonymous`: the gateway relaying a public request. */
  role: Role | 'node' | 'anonymous';
}

export function clusterTokenMatches(secret: string, presented: string | undefined): boolean {
  return presented !== undefined && constantTimeEqual(secret, presented);
}

/** Nodes only answer other nodes (the gateway included); the public reaches them through the gateway. */
export function requireCluster(secret: string): MiddlewareHandler<{ Variables: { principal: Principal } }> {
  return async (c, next) => {
    if (!clusterTokenMatches(secret, c.req.header(CLUSTER_TOKEN_HEADER))) {
      throw new AppError('UNAUTHENTICATED', 'this node accepts traffic from the cluster only');
    }
    const id = c.req.header(PRINCIPAL_ID_HEADER);
    const role = c.req.header(PRINCIPAL_ROLE_HEADER);
    // Only a call that speaks for nobody else is the cluster itself; a relayed call without a role has none.
    c.set('principal', id === undefined ? { id: 'node', role: 'node' } : { id, role: isRole(role) ? role : 'anonymous' });
    await next();
  };
}

const ROLE_SET = new Set<string>(['admin', 'provider', 'dapp', 'reviewer', 'operator']);
const isRole = (r: string | undefined): r is Role => r !== undefined && ROLE_SET.has(r);

/**
 * Headers a node adds to its own calls to another node: the cluster token and, when a request
 * caused the call, that request's id (so the callee's log lines carry it too).
 */
export const clusterHeaders = (secret: string): Record<string, string> => {
  const requestId = currentRequestId();
  return requestId === undefined ? { [CLUSTER_TOKEN_HEADER]: secret } : { [CLUSTER_TOKEN_HEADER]: secret, [REQUEST_ID_HEADER]: requestId };
};

/**
 * Routes between nodes only (channel delivery): a call the gateway relays on someone's behalf
 * carries a principal and is refused, whatever that caller's role.
 */
export function requireNodeCaller(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.header(PRINCIPAL_ID_HEADER) !== undefined) {
      throw new AppError('FORBIDDEN', 'this route is for nodes of the cluster, not for callers relayed by the gateway');
    }
    await next();
  };
}
