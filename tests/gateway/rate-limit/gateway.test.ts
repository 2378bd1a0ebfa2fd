import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, GatewayStats, IssuedKey } from '../../../schemas/index.ts';
import { ADMIN_KEY, bearer, startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway } from '../support.ts';

/** Requests from another loopback address (all of 127.0.0.0/8 is this machine), to tell clients apart by address. */
function fromAddress(localAddress: string) {
  const dispatcher = new Agent({ localAddress });
  return {
    fetch: (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => undiciFetch(url, { ...init, dispatcher }),
    close: () => dispatcher.close(),
  };
}

/** Waits for the start of a second, so a short burst falls in one window of a per-second limit. */
async function startOfSecond(): Promise<void> {
  const intoMs = Date.now() % 1_000;
  if (intoMs > 50) await new Promise((r) => setTimeout(r, 1_000 - intoMs + 5));
}

describe('the global limit of a gateway without Redis', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({}, { GATEWAY_RATE_GLOBAL_PER_S: '5' });
  });
  afterAll(() => gw?.close());

  it('answers 429 RATE_LIMITED with Retry-After and RateLimit headers past the limit, counting it in /stats', async () => {
    await startOfSecond();
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(gw.api('/info'))));
    const ok = answers.filter((r) => r.status === 200);
    const limited = answers.filter((r) => r.status === 429);
    expect(ok.length).toBe(5);
    expect(limited.length).toBe(3);
    expect(ok.map((r) => Number(r.headers.get('ratelimit-remaining'))).sort()).toEqual([0, 1, 2, 3, 4]);
    const refused = limited[0];
    if (refused === undefined) throw new Error('no 429');
    expect(refused.headers.get('ratelimit-limit')).toBe('5');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(1);
    expect(ErrorBody.parse(await refused.json()).error.code).toBe('RATE_LIMITED');

    await new Promise((r) => setTimeout(r, 2_100));
    const stats = GatewayStats.parse(await (await fetch(gw.api('/stats'))).json());
    expect(stats.rateLimits).toMatchObject({ backend: 'memory', redis: 'none', limited: { global: 3, auth: 0, tier: 0 } });
  });
});

describe('per-address and per-key limits of a gateway without Redis', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;
  const clients: ReturnType<typeof fromAddress>[] = [];
  const client = (address: string) => {
    const c = fromAddress(address);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream('validator');
    gw = await startTestGateway({ validators: [upstream.url] }, { GATEWAY_RATE_AUTH_PER_MIN: '3', GATEWAY_RATE_TIERS: '{"dapp":"3/min"}' });
    await gw.probeNow();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw?.close();
    await upstream.close();
  });

  const issue = async (role: string, from = client('127.0.0.1')) => {
    return from.fetch(gw.api('/auth/keys'), {
      method: 'POST',
      headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ role, label: `rate ${role}` }),
    });
  };

  it('never counts requests to /auth that authenticate: an admin issues more keys than the limit', async () => {
    const admin = client('127.0.0.4');
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await issue('dapp', admin)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
  });

  it('refuses an address after as many failed attempts on /auth as the limit, before looking at its key, and no other address', async () => {
    const guesser = client('127.0.0.2');
    const guesses = [];
    for (let i = 0; i < 3; i++) {
      const r = await guesser.fetch(gw.api('/auth/keys'), { method: 'POST', headers: { ...bearer(`ok_guess-${i}`), 'content-type': 'application/json' }, body: '{}' });
      guesses.push(r.status);
    }
    expect(guesses).toEqual([401, 401, 401]);

    const withTheRightKey = await issue('dapp', guesser);
    expect(withTheRightKey.status).toBe(429);
    expect(withTheRightKey.headers.get('ratelimit-limit')).toBe('3');
    expect(Number(withTheRightKey.headers.get('retry-after'))).toBeGreaterThan(1);
    expect(ErrorBody.parse(await withTheRightKey.json()).error.code).toBe('RATE_LIMITED');

    expect((await issue('dapp', client('127.0.0.3'))).status).toBe(201);
  });

  it("holds each key to its tier's rate, with RateLimit headers on proxied answers", async () => {
    const first = IssuedKey.parse(await (await issue('dapp')).json());
    const second = IssuedKey.parse(await (await issue('dapp')).json());
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await fetch(gw.api('/channels'), { headers: bearer(first.key) }));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((r) => r.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(answers[0]?.headers.get('ratelimit-limit')).toBe('3');
    expect(ErrorBody.parse(await answers[3]?.json()).error.code).toBe('RATE_LIMITED');
    // Another key of the same tier has its own count.
    expect((await fetch(gw.api('/channels'), { headers: bearer(second.key) })).status).toBe(200);

    const stats = GatewayStats.parse(await (await fetch(gw.api('/stats'))).json());
    expect(stats.rateLimits.limited).toEqual({ global: 0, auth: 1, tier: 1 });
  });
});

describe('the /auth limit behind a trusted proxy', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    // The test's own address stands for a load balancer in front of the gateway.
    gw = await startTestGateway({}, { GATEWAY_RATE_AUTH_PER_MIN: '2', GATEWAY_TRUSTED_PROXIES: '127.0.0.0/8' });
  });
  afterAll(() => gw?.close());

  const attempt = (forwardedFor: string, key: string) =>
    fetch(gw.api('/auth/keys'), {
      method: 'POST',
      headers: { ...bearer(key), 'x-forwarded-for': forwardedFor, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'dapp', label: 'behind a proxy' }),
    });

  it('counts failed attempts per client the proxy names, so one guesser does not lock out the others behind it', async () => {
    const guesses = [await attempt('203.0.113.9', 'ok_guess-1'), await attempt('203.0.113.9', 'ok_guess-2')];
    expect(guesses.map((r) => r.status)).toEqual([401, 401]);
    expect((await attempt('203.0.113.9', ADMIN_KEY)).status).toBe(429);
    expect((await attempt('203.0.113.10', ADMIN_KEY)).status).toBe(201);
  });

  it('counts a hop the client wrote left of the proxy\'s own as nothing: the proxy\'s hop decides', async () => {
    const forged = [await attempt('198.51.100.1, 203.0.113.20', 'ok_guess-3'), await attempt('198.51.100.2, 203.0.113.20', 'ok_guess-4')];
    expect(forged.map((r) => r.status)).toEqual([401, 401]);
    expect((await attempt('198.51.100.3, 203.0.113.20', ADMIN_KEY)).status).toBe(429);
  });
});
