import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createLogger } from '../../runtime/logger.ts';
import { installErrorHandling } from '../../runtime/http.ts';
import { requireCluster, requireNodeCaller, type Principal } from '../../runtime/cluster-auth.ts';

const SECRET = 'cluster-secret-for-tests-0001';

function app() {
  const a = new Hono<{ Variables: { principal: Principal } }>();
  installErrorHandling(a, createLogger('test', 'silent'));
  a.use('*', requireCluster(SECRET));
  a.get('/who', (c) => c.json(c.get('principal')));
  a.use('/internal/*', requireNodeCaller());
  a.post('/internal/deliver', (c) => c.json({ ok: true }));
  return a;
}

const ask = (headers: Record<string, string>) => app().request('/who', { headers });

describe('cluster authentication between roles', () => {
  it('refuses a call without the cluster token', async () => {
    const res = await ask({});
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a call with the wrong cluster token', async () => {
    expect((await ask({ 'x-cluster-token': 'cluster-secret-for-tests-0002' })).status).toBe(401);
  });

  it('treats a token-bearing call that speaks for nobody as the cluster itself', async () => {
    expect(await (await ask({ 'x-cluster-token': SECRET })).json()).toEqual({ id: 'node', role: 'node' });
  });

  it('carries the caller relayed by the gateway with its role', async () => {
    const res = await ask({ 'x-cluster-token': SECRET, 'x-principal-id': 'key_1', 'x-principal-role': 'reviewer' });
    expect(await res.json()).toEqual({ id: 'key_1', role: 'reviewer' });
  });

  it('never grants node rights to a relayed caller without a role', async () => {
    const res = await ask({ 'x-cluster-token': SECRET, 'x-principal-id': 'anonymous' });
    expect(await res.json()).toEqual({ id: 'anonymous', role: 'anonymous' });
  });

  it('never grants node rights to a relayed caller claiming an unknown role', async () => {
    const res = await ask({ 'x-cluster-token': SECRET, 'x-principal-id': 'key_2', 'x-principal-role': 'node' });
    expect(await res.json()).toEqual({ id: 'key_2', role: 'anonymous' });
  });

  it('lets a node call a node-only route', async () => {
    const res = await app().request('/internal/deliver', { method: 'POST', headers: { 'x-cluster-token': SECRET } });
    expect(res.status).toBe(200);
  });

  it('refuses a node-only route to a caller relayed by the gateway, whatever its role', async () => {
    const res = await app().request('/internal/deliver', {
      method: 'POST',
      headers: { 'x-cluster-token': SECRET, 'x-principal-id': 'key_9', 'x-principal-role': 'admin' },
    });
    expect(res.status).toBe(403);
  });
});
