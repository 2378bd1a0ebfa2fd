import { describe, expect, it } from 'vitest';
import { createRouteMatcher } from '../../gateway/routing/match.ts';
import { ROUTE_POLICY, type PoolName, type RouteRule } from '../../gateway/routing/policy.ts';
import { SmoothWeightedBalancer } from '../../gateway/pools/balancer.ts';
import { PoolRegistry } from '../../gateway/pools/registry.ts';

const matcher = createRouteMatcher();

function ruleFor(method: string, path: string): RouteRule {
  const m = matcher.match(method, path);
  if (m.kind !== 'matched') throw new Error(`${method} ${path} did not match: ${m.kind}`);
  return m.rule;
}

const tiersOf = (method: string, path: string): readonly (readonly PoolName[])[] | 'gateway' => {
  const target = ruleFor(method, path).target;
  return target.kind === 'gateway' ? 'gateway' : target.tiers;
};

describe('route policy', () => {
  it('sends each kind of path to the pool the architecture names', () => {
    expect(tiersOf('GET', '/api/v11/consensus/status')).toEqual([['validators']]);
    expect(tiersOf('GET', '/api/v11/consensus/blocks/7')).toEqual([['validators']]);
    expect(tiersOf('GET', '/api/v11/state/assets/house-1')).toEqual([['validators']]);
    expect(tiersOf('GET', '/api/v11/transaction/ab')).toEqual([['business'], ['validators']]);
    expect(tiersOf('GET', '/api/v11/channels')).toEqual([['business', 'validators']]);
    expect(tiersOf('GET', '/api/v11/channels/weather/events')).toEqual([['business', 'validators']]);
    expect(tiersOf('POST', '/api/v11/external/feeds')).toEqual([['slim']]);
    expect(tiersOf('POST', '/api/v11/reviews/r1/decision')).toEqual([['slim']]);
    expect(tiersOf('GET', '/api/v11/query/attestations/f1/latest')).toEqual([['business', 'validators']]);
    expect(tiersOf('GET', '/api/v11/health')).toBe('gateway');
    expect(tiersOf('POST', '/api/v11/auth/keys')).toBe('gateway');
    expect(tiersOf('DELETE', '/api/v11/auth/keys/key_1')).toBe('gateway');
  });

  it('extracts path parameters, decoded', () => {
    const m = matcher.match('GET', '/api/v11/query/attestations/feed%3A1/latest');
    expect(m.kind === 'matched' && m.params).toEqual({ feedId: 'feed:1' });
  });

  it('answers not-found for a path outside the table, a trailing slash, or outside the prefix', () => {
    expect(matcher.match('GET', '/api/v11/nothing').kind).toBe('not-found');
    expect(matcher.match('GET', '/api/v11/reviews/').kind).toBe('not-found');
    expect(matcher.match('GET', '/api/v10/health').kind).toBe('not-found');
    expect(matcher.match('GET', '/api/v11/external/feeds//test').kind).toBe('not-found');
  });

  it('answers method-not-allowed with the allowed methods for a known path', () => {
    expect(matcher.match('DELETE', '/api/v11/external/feeds/f1')).toEqual({ kind: 'method-not-allowed', allowed: ['GET', 'PATCH'] });
  });

  it('treats HEAD like GET', () => {
    expect(ruleFor('HEAD', '/api/v11/consensus/status').method).toBe('GET');
  });

  it('lets admin call every protected route and operator every protected read except key management', () => {
    for (const rule of ROUTE_POLICY) {
      if (rule.access === 'public') continue;
      expect(rule.access, `${rule.method} ${rule.pattern}`).toContain('admin');
      const operatorExpected = rule.method === 'GET' && !rule.pattern.startsWith('/auth');
      expect(rule.access.includes('operator'), `${rule.method} ${rule.pattern}`).toBe(operatorExpected);
    }
  });

  it('gives each role exactly its routes', () => {
    const routesOf = (role: 'provider' | 'reviewer' | 'dapp') =>
      ROUTE_POLICY.filter((r) => r.access !== 'public' && r.access.includes(role)).map((r) => `${r.method} ${r.pattern}`);
    expect(routesOf('provider')).toEqual([
      'POST /external/feeds',
      'GET /external/feeds',
      'GET /external/feeds/:id',
      'PATCH /external/feeds/:id',
      'POST /external/feeds/:id/test',
      'POST /external/feeds/:id/observations',
      'POST /external/devices',
      'GET /external/devices',
      'GET /external/devices/:id',
      'DELETE /external/devices/:id',
    ]);
    expect(routesOf('reviewer')).toEqual([
      'GET /reviews',
      'GET /reviews/audit',
      'GET /reviews/:id/context',
      'GET /reviews/:id',
      'POST /reviews/:id/decision',
      'GET /query/attestations/:feedId/latest',
    ]);
    expect(routesOf('dapp')).toEqual([
      'GET /channels',
      'GET /channels/:name/events',
      'POST /transaction',
      'GET /transaction/:hash',
      'GET /state/assets/:id',
      'GET /state/accounts/:id',
      'GET /query/attestations/:feedId/latest',
    ]);
  });

  it('makes health, info, stats, the OpenAPI document and its docs page, consensus reads and source webhooks public', () => {
    const publicRoutes = ROUTE_POLICY.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.pattern}`);
    expect(publicRoutes).toEqual([
      'GET /health',
      'GET /info',
      'GET /stats',
      'GET /openapi.json',
      'GET /docs',
      'GET /docs/assets/:file',
      'GET /consensus/status',
      'GET /consensus/blocks/:height',
      'POST /external/webhooks/easypost/:feedId',
    ]);
  });
});

describe('upstream selection', () => {
  const registry = (urls: Partial<Record<PoolName, string[]>>) =>
    new PoolRegistry({ validators: urls.validators ?? [], business: urls.business ?? [], slim: urls.slim ?? [] }, new SmoothWeightedBalancer());

  it('falls back to validators for /transaction when no business node is configured', () => {
    const r = registry({ validators: ['http://v1'] });
    expect(r.select([['business'], ['validators']])?.url).toBe('http://v1');
  });

  it('falls back to validators for /transaction when every business node is down', () => {
    const r = registry({ validators: ['http://v1'], business: ['http://b1'] });
    r.members('business')[0]?.recordProbe({ status: 'down', latencyMs: null, checkedAt: new Date() });
    expect(r.select([['business'], ['validators']])?.url).toBe('http://v1');
  });

  it('prefers a healthy business node for /transaction', () => {
    const r = registry({ validators: ['http://v1'], business: ['http://b1'] });
    expect(r.select([['business'], ['validators']])?.url).toBe('http://b1');
  });

  it('rotates over the members of every pool in one tier', () => {
    const r = registry({ validators: ['http://v1'], business: ['http://b1'] });
    const picks = [1, 2, 3, 4].map(() => r.select([['business', 'validators']])?.url);
    expect(picks).toEqual(['http://b1', 'http://v1', 'http://b1', 'http://v1']);
  });

  it('finds nobody when every member is down', () => {
    const r = registry({ slim: ['http://s1'] });
    r.members('slim')[0]?.recordProbe({ status: 'down', latencyMs: null, checkedAt: new Date() });
    expect(r.select([['slim']])).toBeUndefined();
  });
});
