import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, FeedCreated, IssuedKey } from '../../schemas/index.ts';
import { ADMIN_KEY, call, startTestNetwork, type Reply, type TestNetwork } from '../support/network.ts';

let net: TestNetwork;
const keys = { provider: '', dapp: '', reviewer: '' };
let pushFeed = '';
let pullFeed = '';

beforeAll(async () => {
  net = await startTestNetwork();
  for (const role of ['provider', 'dapp', 'reviewer'] as const) {
    const issued = await call(`${net.api}/auth/keys`, { method: 'POST', key: ADMIN_KEY, body: { role, label: role } });
    keys[role] = IssuedKey.parse(issued.body).key;
  }
  const device = await call(`${net.api}/external/devices`, { method: 'POST', key: keys.provider, body: { id: 'd', name: 'd', assetId: 'a1' } });
  expect(device.status).toBe(201);
  const push = await call(`${net.api}/external/feeds`, {
    method: 'POST',
    key: keys.provider,
    body: { name: 'p', category: 'iot', assetId: 'a1', source: { adapter: 'push', params: { deviceId: 'd', metric: 'm', unit: 'u' } } },
  });
  pushFeed = FeedCreated.parse(push.body).id;
  const pull = await call(`${net.api}/external/feeds`, {
    method: 'POST',
    key: keys.provider,
    body: { name: 'w', category: 'weather', assetId: 'w1', source: { adapter: 'open-meteo', params: { latitude: 1, longitude: 2, baseUrl: net.source.url } }, schedule: { intervalMs: 3_600_000 } },
  });
  pullFeed = FeedCreated.parse(pull.body).id;
}, 120_000);
afterAll(async () => net?.stop());

/** A client error in the JSON error shape, mentioning `field` somewhere a person would read. */
function expectClientError(reply: Reply, status: number, field?: string): void {
  expect(reply.status).toBe(status);
  const body = ErrorBody.parse(reply.body);
  if (field !== undefined) expect(JSON.stringify(body.error)).toContain(field);
}

describe('bad input through the gateway', () => {
  it('names the missing field when a feed registration lacks its asset', async () => {
    const r = await call(`${net.api}/external/feeds`, {
      method: 'POST',
      key: keys.provider,
      body: { name: 'x', category: 'weather', source: { adapter: 'open-meteo', params: { latitude: 1, longitude: 2 } } },
    });
    expectClientError(r, 400, 'assetId');
  });

  it('names the latitude when it is out of range', async () => {
    const r = await call(`${net.api}/external/feeds`, {
      method: 'POST',
      key: keys.provider,
      body: { name: 'x', category: 'weather', assetId: 'a', source: { adapter: 'open-meteo', params: { latitude: 123, longitude: 2 } } },
    });
    expectClientError(r, 400, 'latitude');
  });

  it('rejects a category that does not match the adapter', async () => {
    const r = await call(`${net.api}/external/feeds`, {
      method: 'POST',
      key: keys.provider,
      body: { name: 'x', category: 'market', assetId: 'a', source: { adapter: 'open-meteo', params: { latitude: 1, longitude: 2 } } },
    });
    expectClientError(r, 400, 'category');
  });

  it('refuses a source outside the allowed origins, naming the base URL', async () => {
    const r = await call(`${net.api}/external/feeds`, {
      method: 'POST',
      key: keys.provider,
      body: { name: 'x', category: 'weather', assetId: 'a', source: { adapter: 'open-meteo', params: { latitude: 1, longitude: 2, baseUrl: 'http://169.254.169.254' } } },
    });
    expectClientError(r, 400, 'baseUrl');
  });

  it('names the field holding a NUL character instead of failing in storage', async () => {
    const r = await call(`${net.api}/external/feeds`, {
      method: 'POST',
      key: keys.provider,
      body: { name: 'bad\u0000name', category: 'iot', assetId: 'a', source: { adapter: 'push', params: { deviceId: 'd', metric: 'm', unit: 'u' } } },
    });
    expectClientError(r, 400, 'name');
  });

  it('answers a NUL character in a path parameter with a 4xx', async () => {
    const r = await call(`${net.api}/reviews/rev%00x`, { key: keys.reviewer });
    expect(r.status).toBe(400);
    ErrorBody.parse(r.body);
  });

  it('answers malformed JSON with 400 and says so', async () => {
    const r = await call(`${net.api}/external/feeds`, { method: 'POST', key: keys.provider, rawBody: '{"name": ' });
    expectClientError(r, 400, 'JSON');
  });

  it('names the value of a pushed reading that is not a number', async () => {
    const r = await call(`${net.api}/external/feeds/${pushFeed}/observations`, {
      method: 'POST',
      key: keys.provider,
      body: { readings: [{ observedAt: new Date().toISOString(), value: 'hot' }] },
    });
    expectClientError(r, 400, 'value');
  });

  it('names the timestamp of a pushed reading that is not ISO 8601', async () => {
    const r = await call(`${net.api}/external/feeds/${pushFeed}/observations`, {
      method: 'POST',
      key: keys.provider,
      body: { readings: [{ observedAt: 'yesterday', value: 1 }] },
    });
    expectClientError(r, 400, 'observedAt');
  });

  it('refuses pushed readings for a pull feed', async () => {
    const r = await call(`${net.api}/external/feeds/${pullFeed}/observations`, {
      method: 'POST',
      key: keys.provider,
      body: { readings: [{ observedAt: new Date().toISOString(), value: 1 }] },
    });
    expectClientError(r, 409);
  });

  it('names the status of a feed patch that is neither active nor paused', async () => {
    const r = await call(`${net.api}/external/feeds/${pullFeed}`, { method: 'PATCH', key: keys.provider, body: { status: 'sleeping' } });
    expectClientError(r, 400, 'status');
  });

  it('answers 404 for a feed that does not exist', async () => {
    expectClientError(await call(`${net.api}/external/feeds/feed_nope`, { key: keys.provider }), 404);
  });

  it('requires a reason for a review decision', async () => {
    const r = await call(`${net.api}/reviews/whatever/decision`, { method: 'POST', key: keys.reviewer, body: { decision: 'approve' } });
    expectClientError(r, 400, 'reason');
  });

  it('names the status filter of the review queue when it is unknown', async () => {
    expectClientError(await call(`${net.api}/reviews?status=lost`, { key: keys.reviewer }), 400, 'status');
  });

  it('answers 404 for a review that does not exist', async () => {
    expectClientError(await call(`${net.api}/reviews/rev_nope`, { key: keys.reviewer }), 404);
  });

  it('names the role of a key request when it is unknown', async () => {
    const r = await call(`${net.api}/auth/keys`, { method: 'POST', key: ADMIN_KEY, body: { role: 'king', label: 'x' } });
    expectClientError(r, 400, 'role');
  });

  it('names the height parameter when it is not a number', async () => {
    expectClientError(await call(`${net.api}/consensus/blocks/tall`), 400, 'height');
  });

  it('answers 404 for a block beyond the chain', async () => {
    expectClientError(await call(`${net.api}/consensus/blocks/99999999`), 404);
  });

  it('answers 4xx for a transaction hash that is not a hash', async () => {
    const r = await call(`${net.api}/transaction/not-a-hash`, { key: keys.dapp });
    expect([400, 404]).toContain(r.status);
    ErrorBody.parse(r.body);
  });

  it('answers 404 for an attestation of an unknown feed', async () => {
    expectClientError(await call(`${net.api}/query/attestations/feed_nope/latest`, { key: keys.dapp }), 404);
  });

  it('answers 404 for an unknown channel', async () => {
    expectClientError(await call(`${net.api}/channels/gold/events`, { key: keys.dapp }), 404);
  });

  it('answers 404 for an unknown route, with or without a key', async () => {
    expectClientError(await call(`${net.api}/nowhere`), 404);
    expectClientError(await call(`${net.gateway.url}/elsewhere`, { key: keys.dapp }), 404);
  });

  it('never answers 5xx to arbitrary bodies on any write route', async () => {
    const routes: [string, string, string][] = [
      ['POST', '/auth/keys', ADMIN_KEY],
      ['POST', '/external/feeds', keys.provider],
      ['PATCH', `/external/feeds/${pullFeed}`, keys.provider],
      ['POST', `/external/feeds/${pushFeed}/observations`, keys.provider],
      ['POST', '/reviews/rev_x/decision', keys.reviewer],
    ];
    const bodies = [
      'null',
      '[]',
      '1',
      '"text"',
      '{}',
      '{"readings":[{}]}',
      '{"source":{"adapter":"???"}}',
      '{"a":'.repeat(50),
      '{"decision":"approve","reason":null}',
      '{"decision":"approve","reason":"nul \\u0000 inside"}',
      '{"label":"\\u0000","role":"dapp"}',
    ];
    for (const [method, path, key] of routes) {
      for (const rawBody of bodies) {
        const r = await call(`${net.api}${path}`, { method, key, rawBody });
        expect(r.status, `${method} ${path} ${rawBody}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${method} ${path} ${rawBody}`).toBeLessThan(500);
        ErrorBody.parse(r.body);
      }
    }
  });
});
