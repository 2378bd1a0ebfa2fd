import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_POLICY } from '../../gateway/routing/policy.ts';
import type { Role } from '../../schemas/index.ts';
import { ADMIN_KEY, bearer, startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway } from './support.ts';

const ROLES = ['admin', 'provider', 'dapp', 'reviewer', 'operator'] as const satisfies readonly Role[];

/**
 * Who may call what, written out by hand rather than derived from the policy code, so any change
 * to the policy shows up here as a failing cell. `public`: no key needed, and no key is refused.
 */
const EXPECTED: Record<string, 'public' | readonly Role[]> = {
  'GET /health': 'public',
  'GET /info': 'public',
  'GET /stats': 'public',
  'GET /openapi.json': 'public',
  'GET /docs': 'public',
  'GET /docs/assets/:file': 'public',
  'POST /auth/keys': ['admin'],
  'DELETE /auth/keys/:id': ['admin'],
  'GET /consensus/status': 'public',
  'GET /consensus/blocks/:height': 'public',
  'POST /external/feeds': ['admin', 'provider'],
  'GET /external/feeds': ['admin', 'provider', 'operator'],
  'GET /external/feeds/:id': ['admin', 'provider', 'operator'],
  'PATCH /external/feeds/:id': ['admin', 'provider'],
  'POST /external/feeds/:id/test': ['admin', 'provider'],
  'POST /external/feeds/:id/observations': ['admin', 'provider'],
  'POST /external/devices': ['admin', 'provider'],
  'GET /external/devices': ['admin', 'provider', 'operator'],
  'GET /external/devices/:id': ['admin', 'provider', 'operator'],
  'DELETE /external/devices/:id': ['admin', 'provider'],
  'POST /external/webhooks/easypost/:feedId': 'public',
  'GET /reviews': ['admin', 'reviewer', 'operator'],
  'GET /reviews/audit': ['admin', 'reviewer', 'operator'],
  'GET /reviews/:id/context': ['admin', 'reviewer', 'operator'],
  'GET /reviews/:id': ['admin', 'reviewer', 'operator'],
  'POST /reviews/:id/decision': ['admin', 'reviewer'],
  'GET /channels': ['admin', 'dapp', 'operator'],
  'GET /channels/:name/events': ['admin', 'dapp', 'operator'],
  'POST /transaction': ['admin', 'dapp'],
  'GET /transaction/:hash': ['admin', 'dapp', 'operator'],
  'GET /state/assets/:id': ['admin', 'dapp', 'operator'],
  'GET /state/accounts/:id': ['admin', 'dapp', 'operator'],
  'GET /query/attestations/:feedId/latest': ['admin', 'dapp', 'reviewer', 'operator'],
};

/** Statuses that mean the gateway refused the caller (or a limit interfered), rather than letting the request through. */
const REFUSED = new Set([401, 403, 429]);

const concretePath = (pattern: string) => pattern.replaceAll(/:([a-zA-Z]+)/g, (_m, name: string) => `sample-${name}`);

describe('RBAC matrix: every route × every role, and no key', () => {
  const upstreams: FakeUpstream[] = [];
  let gw: TestGateway;
  const keys = new Map<Role, string>();

  beforeAll(async () => {
    // Every pool answers 200 to anything, so a request that passes the gateway's checks shows as 200.
    const [validators, business, slim] = await Promise.all([startFakeUpstream('validator'), startFakeUpstream('business'), startFakeUpstream('slim')]);
    upstreams.push(validators, business, slim);
    gw = await startTestGateway(
      { validators: [validators.url], business: [business.url], slim: [slim.url] },
      { GATEWAY_RATE_GLOBAL_PER_S: '100000', GATEWAY_RATE_AUTH_PER_MIN: '100000' },
    );
    keys.set('admin', ADMIN_KEY);
    for (const role of ROLES.filter((r) => r !== 'admin')) keys.set(role, (await gw.keys.issue(role, `matrix ${role}`)).key);
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all(upstreams.map((u) => u.close()));
  });

  it('lists every route of the policy table, and only those', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(ROUTE_POLICY.map((r) => `${r.method} ${r.pattern}`).sort());
  });

  const send = (method: string, pattern: string, key: string | undefined) => {
    const hasBody = method === 'POST' || method === 'PATCH' || method === 'PUT';
    return fetch(gw.api(concretePath(pattern)), {
      method,
      headers: { ...(key === undefined ? {} : bearer(key)), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { body: '{}' } : {}),
    });
  };

  for (const [route, access] of Object.entries(EXPECTED)) {
    const [method, pattern] = route.split(' ') as [string, string];

    if (access === 'public') {
      it(`${route} is served to every role and to a caller without a key`, async () => {
        for (const role of [undefined, ...ROLES]) {
          const res = await send(method, pattern, role === undefined ? undefined : keys.get(role));
          await res.body?.cancel();
          expect(REFUSED.has(res.status), `${route} as ${role ?? 'no key'}: ${res.status}`).toBe(false);
        }
      });
      continue;
    }

    it(`${route} answers 401 without a key, passes ${access.join(', ')}, and answers 403 to every other role`, async () => {
      const anonymous = await send(method, pattern, undefined);
      await anonymous.body?.cancel();
      expect(anonymous.status, `${route} without a key`).toBe(401);
      for (const role of ROLES) {
        const res = await send(method, pattern, keys.get(role));
        await res.body?.cancel();
        if (access.includes(role)) expect(REFUSED.has(res.status), `${route} as ${role}: ${res.status}`).toBe(false);
        else expect(res.status, `${route} as ${role}`).toBe(403);
      }
    });
  }
});
