import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/network.ts';
import { ErrorBody, GatewayStats } from '../../../schemas/index.ts';
import { ADMIN_KEY, bearer, startTestGateway, type TestGateway } from '../support.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;

/** A loopback port nothing listens on: Redis "down" from the start. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const stats = async (gw: TestGateway) => GatewayStats.parse(await (await fetch(gw.api('/stats'))).json()).rateLimits;
const issueKey = (gw: TestGateway) =>
  fetch(gw.api('/auth/keys'), {
    method: 'POST',
    headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'dapp', label: 'failover' }),
  });
const warnings = (gw: TestGateway, text: string) => gw.logs.filter((l) => l.includes(text)).length;

describe('a gateway whose Redis is down', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({}, { REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, GATEWAY_RATE_GLOBAL_PER_S: '5' });
  });
  afterAll(() => gw?.close());

  it('keeps serving under the global limit counted in-process (fail open)', async () => {
    // Start of a second, so the burst falls in one window of the local limiter.
    await new Promise((r) => setTimeout(r, 1_005 - (Date.now() % 1_000)));
    const statuses = (await Promise.all(Array.from({ length: 8 }, () => fetch(gw.api('/info'))))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBe(5);
    expect(statuses.filter((s) => s === 429).length).toBe(3);
  });

  it('refuses /auth with 503 and Retry-After (fail closed), even with a valid key', async () => {
    const res = await issueKey(gw);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('UNAVAILABLE');
  });

  it('counts both in /stats and logs the outage once, not per request', async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    const s = await stats(gw);
    expect(s.backend).toBe('redis');
    expect(s.redis).toBe('down');
    expect(s.failedOpen.global).toBeGreaterThanOrEqual(9);
    expect(s.failedClosed).toEqual({ global: 0, auth: 1, tier: 0 });
    expect(warnings(gw, 'redis is not connected')).toBe(1);
  });
});

describe('one of two gateway processes whose Redis is down', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({}, { REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, GATEWAY_RATE_GLOBAL_PER_S: '10' }, { processes: 2 });
  });
  afterAll(() => gw?.close());

  it('falls back to its share of the global limit, so the two together keep it', async () => {
    await new Promise((r) => setTimeout(r, 1_005 - (Date.now() % 1_000)));
    const statuses = (await Promise.all(Array.from({ length: 8 }, () => fetch(gw.api('/info'))))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBe(5);
  });
});

describe.skipIf(REDIS_URL === undefined)('a gateway whose Redis goes away and comes back', () => {
  let proxy: TcpProxy;
  let gw: TestGateway;
  beforeAll(async () => {
    const target = new URL(REDIS_URL ?? '');
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    gw = await startTestGateway({}, { REDIS_URL: proxy.url, GATEWAY_RATE_KEY_PREFIX: `test:gw:${randomUUID()}` });
  });
  afterAll(async () => {
    await gw?.close();
    await proxy.stop().catch(() => {});
  });

  it('limits in Redis, fails over while Redis is unreachable, and goes back to Redis by itself', async () => {
    await eventually(async () => ((await stats(gw)).redis === 'up' ? true : undefined), 50, 100);
    expect((await issueKey(gw)).status, gw.logs.join('\n')).toBe(201);

    await proxy.stop();
    expect((await fetch(gw.api('/info'))).status).toBe(200);
    expect((await issueKey(gw)).status).toBe(503);
    const down = await stats(gw);
    expect(down.redis).toBe('down');
    expect(down.failedClosed.auth).toBe(1);

    await proxy.restart();
    // ioredis reconnects with a backoff of at most 2 s; then the next call goes to Redis again.
    await eventually(async () => ((await issueKey(gw)).status === 201 ? true : undefined), 50, 200);
    const back = await stats(gw);
    expect(back.redis).toBe('up');
    expect(warnings(gw, 'redis rate limiting is back')).toBe(1);
  });
});
