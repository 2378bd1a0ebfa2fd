import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer, startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway } from './support.ts';

const DAPP_ORIGIN = 'https://dapp.example';
const FOREIGN_ORIGIN = 'https://evil.example';

const preflight = (gw: TestGateway, origin: string) =>
  fetch(gw.api('/channels'), {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
  });

describe('gateway CORS with GATEWAY_CORS_ORIGINS set', () => {
  let validator: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    validator = await startFakeUpstream('validator');
    gw = await startTestGateway({ validators: [validator.url] }, { GATEWAY_CORS_ORIGINS: `${DAPP_ORIGIN}, https://other-dapp.example:8443/` });
  });
  afterAll(async () => {
    await gw.close();
    await validator.close();
  });

  it('answers a preflight from an allowed origin before routing and authentication, allowing Authorization and Content-Type', async () => {
    const res = await preflight(gw, DAPP_ORIGIN);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(DAPP_ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual(['authorization', 'content-type']);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('allows an origin given with a path or trailing slash in the configuration, by its origin', async () => {
    const res = await preflight(gw, 'https://other-dapp.example:8443');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://other-dapp.example:8443');
  });

  it('lets an allowed origin read the answer of a real request, and the rate-limit, retry and request-id headers', async () => {
    const res = await fetch(gw.api('/channels'), { headers: { origin: DAPP_ORIGIN, ...bearer(ADMIN_KEY) } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(DAPP_ORIGIN);
    const exposed = res.headers.get('access-control-expose-headers')?.split(',') ?? [];
    expect(exposed).toEqual(expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-Id']));
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('lets an allowed origin read an error answer too', async () => {
    const res = await fetch(gw.api('/channels'), { headers: { origin: DAPP_ORIGIN } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(DAPP_ORIGIN);
  });

  it('gives a foreign origin no Access-Control-Allow-Origin, on a preflight or a real request', async () => {
    const pre = await preflight(gw, FOREIGN_ORIGIN);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const res = await fetch(gw.api('/consensus/status'), { headers: { origin: FOREIGN_ORIGIN } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('routes an OPTIONS request without an Origin like any other method: 405', async () => {
    const res = await fetch(gw.api('/channels'), { method: 'OPTIONS' });
    expect(res.status).toBe(405);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('gateway CORS without GATEWAY_CORS_ORIGINS', () => {
  let validator: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    validator = await startFakeUpstream('validator');
    gw = await startTestGateway({ validators: [validator.url] });
  });
  afterAll(async () => {
    await gw.close();
    await validator.close();
  });

  it('adds no CORS headers and does not answer preflights', async () => {
    const pre = await preflight(gw, DAPP_ORIGIN);
    expect(pre.status).toBe(405);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const res = await fetch(gw.api('/consensus/status'), { headers: { origin: DAPP_ORIGIN } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toBeNull();
  });
});
