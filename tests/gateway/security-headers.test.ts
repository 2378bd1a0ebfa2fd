import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer, startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway } from './support.ts';

function expectSecurityHeaders(res: Response): void {
  expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+; includeSubDomains$/);
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

describe('gateway security headers', () => {
  let validator: FakeUpstream;
  let failingSlim: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    validator = await startFakeUpstream('validator');
    // An upstream that sets none of these headers and answers an error of its own.
    failingSlim = await startFakeUpstream('slim', (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'FEED_NOT_FOUND', message: 'no such feed' } }));
    });
    gw = await startTestGateway({ validators: [validator.url], slim: [failingSlim.url] });
  });
  afterAll(async () => {
    await gw.close();
    await validator.close();
    await failingSlim.close();
  });

  it('are present on a 2xx answered by the gateway', async () => {
    const res = await fetch(gw.api('/info'));
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
  });

  it('are present on a 2xx proxied from an upstream', async () => {
    const res = await fetch(gw.api('/consensus/status'));
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
  });

  it('are present on an error answer proxied from an upstream', async () => {
    const res = await fetch(gw.api('/external/feeds/f1'), { headers: bearer(ADMIN_KEY) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FEED_NOT_FOUND');
    expectSecurityHeaders(res);
  });

  it('are present on 401, 404 and 405 errors', async () => {
    for (const [path, method, status] of [
      ['/reviews', 'GET', 401],
      ['/nowhere', 'GET', 404],
      ['/reviews', 'PUT', 405],
    ] as const) {
      const res = await fetch(gw.api(path), { method });
      expect(res.status, `${method} ${path}`).toBe(status);
      expectSecurityHeaders(res);
    }
  });

  it('are present outside the API prefix too', async () => {
    const res = await fetch(`${gw.url}/elsewhere`);
    expect(res.status).toBe(404);
    expectSecurityHeaders(res);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ROUTE_NOT_FOUND');
  });
});
