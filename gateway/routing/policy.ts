import { UPSTREAM_POOLS, type Role, type UpstreamPool } from '../../schemas/index.ts';

/** Every public path lives under this prefix; the table below is written relative to it. */
export const API_PREFIX = '/api/v11';

export const POOL_NAMES = UPSTREAM_POOLS;
export type PoolName = UpstreamPool;

export const HTTP_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * Where a route is served. `gateway`: by the gateway itself. `upstream`: proxied to the first
 * tier with a healthy member; members of the pools within one tier share one rotation.
 */
export type RouteTarget = { kind: 'gateway' } | { kind: 'upstream'; tiers: readonly (readonly PoolName[])[] };

export interface RouteRule {
  method: HttpMethod;
  /** Relative to API_PREFIX; `:name` matches one non-empty path segment. */
  pattern: string;
  target: RouteTarget;
  /** `public`: no key needed. Otherwise the roles whose keys may call it. */
  access: 'public' | readonly Role[];
  /** Long-lived response (server-sent events): no idle timeout on the body. */
  streaming?: boolean;
  /** Time allowed until the upstream's response headers arrive; PROXY_TIMEOUT_MS when absent. */
  timeoutMs?: number;
}

const GATEWAY: RouteTarget = { kind: 'gateway' };
const VALIDATORS: RouteTarget = { kind: 'upstream', tiers: [['validators']] };
/** Business nodes are learners that serve reads; validators take over when none is healthy. */
const BUSINESS_THEN_VALIDATORS: RouteTarget = { kind: 'upstream', tiers: [['business'], ['validators']] };
/** Every node holding the ledger: business nodes and validators in one rotation. */
const LEDGER_NODES: RouteTarget = { kind: 'upstream', tiers: [['business', 'validators']] };
const SLIM: RouteTarget = { kind: 'upstream', tiers: [['slim']] };

/**
 * The roles allowed on a protected route: its owners, plus admin (may call everything), plus
 * operator on reads (read-only operations) except key management, which stays admin-only.
 */
function rolesFor(method: HttpMethod, pattern: string, owners: readonly Role[]): readonly Role[] {
  const roles = new Set<Role>(['admin', ...owners]);
  if (method === 'GET' && !pattern.startsWith('/auth')) roles.add('operator');
  return [...roles];
}

const open = (method: HttpMethod, pattern: string, target: RouteTarget, extra: Partial<RouteRule> = {}): RouteRule => ({
  method,
  pattern,
  target,
  access: 'public',
  ...extra,
});

const guarded = (method: HttpMethod, pattern: string, target: RouteTarget, owners: readonly Role[], extra: Partial<RouteRule> = {}): RouteRule => ({
  method,
  pattern,
  target,
  access: rolesFor(method, pattern, owners),
  ...extra,
});

/**
 * The public API (ARCHITECTURE.md, "Public API"): what exists, who may call it, which pool serves it.
 * A path outside this table is answered 404 by the gateway itself, before any authentication.
 * Only routes some node serves are listed.
 */
export const ROUTE_POLICY: readonly RouteRule[] = [
  open('GET', '/health', GATEWAY),
  open('GET', '/info', GATEWAY),
  open('GET', '/stats', GATEWAY),
  open('GET', '/openapi.json', GATEWAY),
  open('GET', '/docs', GATEWAY),
  open('GET', '/docs/assets/:file', GATEWAY),
  guarded('POST', '/auth/keys', GATEWAY, []),
  guarded('DELETE', '/auth/keys/:id', GATEWAY, []),

  // A status read is cheap for a validator: one that takes longer is stuck, and the client should hear so soon.
  open('GET', '/consensus/status', VALIDATORS, { timeoutMs: 2_000 }),
  open('GET', '/consensus/blocks/:height', VALIDATORS),

  guarded('POST', '/external/feeds', SLIM, ['provider']),
  guarded('GET', '/external/feeds', SLIM, ['provider']),
  guarded('GET', '/external/feeds/:id', SLIM, ['provider']),
  guarded('PATCH', '/external/feeds/:id', SLIM, ['provider']),
  guarded('POST', '/external/feeds/:id/test', SLIM, ['provider']),
  guarded('POST', '/external/feeds/:id/observations', SLIM, ['provider']),
  guarded('POST', '/external/devices', SLIM, ['provider']),
  guarded('GET', '/external/devices', SLIM, ['provider']),
  guarded('GET', '/external/devices/:id', SLIM, ['provider']),
  guarded('DELETE', '/external/devices/:id', SLIM, ['provider']),
  // Public: a carrier platform holds no API key; EasyPost's HMAC signature over the body authenticates each event.
  open('POST', '/external/webhooks/easypost/:feedId', SLIM),

  guarded('GET', '/reviews', SLIM, ['reviewer']),
  // Before /reviews/:id, which would take `audit` for an id.
  guarded('GET', '/reviews/audit', SLIM, ['reviewer']),
  guarded('GET', '/reviews/:id/context', SLIM, ['reviewer']),
  guarded('GET', '/reviews/:id', SLIM, ['reviewer']),
  guarded('POST', '/reviews/:id/decision', SLIM, ['reviewer']),

  guarded('GET', '/channels', LEDGER_NODES, ['dapp']),
  guarded('GET', '/channels/:name/events', LEDGER_NODES, ['dapp'], { streaming: true }),

  // Signed user transactions: a business node verifies them and forwards them to the leader (validators when none is up).
  guarded('POST', '/transaction', BUSINESS_THEN_VALIDATORS, ['dapp']),
  guarded('GET', '/transaction/:hash', BUSINESS_THEN_VALIDATORS, ['dapp']),

  guarded('GET', '/state/assets/:id', VALIDATORS, ['dapp']),
  guarded('GET', '/state/accounts/:id', VALIDATORS, ['dapp']),

  // The architecture routes /query/* to "all nodes", but slim workers do not hold the ledger,
  // so only the nodes that do (business nodes and validators) can answer a query.
  // Reviewers too: the reviewer page shows an approved value reaching its block.
  guarded('GET', '/query/attestations/:feedId/latest', LEDGER_NODES, ['dapp', 'reviewer']),
];
