import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, IssuedKey } from '../../schemas/index.ts';
import { tempDir, uniqueSchema } from '../support/databases.ts';
import { ADMIN_KEY, bearer, startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway } from './support.ts';

describe('gateway authentication and authorization', () => {
  let slim: FakeUpstream;
  let validator: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    slim = await startFakeUpstream('slim');
    validator = await startFakeUpstream('validator');
    gw = await startTestGateway({ slim: [slim.url], validators: [validator.url] });
  });
  afterAll(async () => {
    await gw.close();
    await slim.close();
    await validator.close();
  });

  const issue = async (role: string, label = `test ${role}`) => {
    const res = await fetch(gw.api('/auth/keys'), {
      method: 'POST',
      headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ role, label }),
    });
    expect(res.status).toBe(201);
    return IssuedKey.parse(await res.json());
  };

  it('rejects a protected route without a key with 401 UNAUTHENTICATED', async () => {
    const res = await fetch(gw.api('/external/feeds'));
    expect(res.status).toBe(401);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('UNAUTHENTICATED');
  });

  it('rejects an unknown key with 401 and never forwards the request', async () => {
    const before = slim.seen.length;
    const res = await fetch(gw.api('/external/feeds'), { headers: bearer('ok_not-a-key-we-issued') });
    expect(res.status).toBe(401);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('UNAUTHENTICATED');
    expect(slim.seen.length).toBe(before);
  });

  it('rejects a malformed Authorization header with 401', async () => {
    const res = await fetch(gw.api('/external/feeds'), { headers: { authorization: `Basic ${btoa('a:b')}` } });
    expect(res.status).toBe(401);
  });

  it('lets an admin issue a key that then works for its role, showing a well-formed secret', async () => {
    const provider = await issue('provider');
    expect(provider.key).toMatch(/^ok_[A-Za-z0-9_-]{43}$/);
    expect(provider.role).toBe('provider');
    const res = await fetch(gw.api('/external/feeds'), { headers: bearer(provider.key) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ served: 'slim' });
  });

  it('forbids a provider from deciding reviews, naming the roles allowed', async () => {
    const provider = await issue('provider');
    const res = await fetch(gw.api('/reviews/r1/decision'), {
      method: 'POST',
      headers: { ...bearer(provider.key), 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', reason: 'looks right' }),
    });
    expect(res.status).toBe(403);
    const body = ErrorBody.parse(await res.json());
    expect(body.error.code).toBe('FORBIDDEN');
    expect(body.error.message).toContain('reviewer');
    expect(body.error.message).toContain('admin');
  });

  it('forbids a dApp from registering feeds', async () => {
    const dapp = await issue('dapp');
    const res = await fetch(gw.api('/external/feeds'), {
      method: 'POST',
      headers: { ...bearer(dapp.key), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('FORBIDDEN');
  });

  it('forbids a non-admin from issuing keys', async () => {
    const operator = await issue('operator');
    const res = await fetch(gw.api('/auth/keys'), {
      method: 'POST',
      headers: { ...bearer(operator.key), 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'admin', label: 'escalation' }),
    });
    expect(res.status).toBe(403);
  });

  it('lets an operator read but not write', async () => {
    const operator = await issue('operator');
    expect((await fetch(gw.api('/external/feeds/f1'), { headers: bearer(operator.key) })).status).toBe(200);
    const write = await fetch(gw.api('/external/feeds/f1'), {
      method: 'PATCH',
      headers: { ...bearer(operator.key), 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'paused' }),
    });
    expect(write.status).toBe(403);
  });

  it('rejects a revoked key with 401', async () => {
    const reviewer = await issue('reviewer');
    expect((await fetch(gw.api('/reviews'), { headers: bearer(reviewer.key) })).status).toBe(200);
    expect(await gw.keys.revoke(reviewer.id)).toBeInstanceOf(Date);
    const res = await fetch(gw.api('/reviews'), { headers: bearer(reviewer.key) });
    expect(res.status).toBe(401);
    expect(ErrorBody.parse(await res.json()).error.message).toContain('revoked');
  });

  const revoke = (id: string, key = ADMIN_KEY) => fetch(gw.api(`/auth/keys/${id}`), { method: 'DELETE', headers: bearer(key) });

  it('lets an admin revoke a key through the API, after which the key answers 401 on its very next request', async () => {
    const dapp = await issue('dapp');
    expect((await fetch(gw.api('/channels'), { headers: bearer(dapp.key) })).status).toBe(200);
    const res = await revoke(dapp.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: dapp.id, revokedAt: expect.any(String) });
    expect((await fetch(gw.api('/channels'), { headers: bearer(dapp.key) })).status).toBe(401);
  });

  it('answers 404 to revoking an unknown or an already revoked key', async () => {
    const dapp = await issue('dapp');
    expect((await revoke(dapp.id)).status).toBe(200);
    const again = await revoke(dapp.id);
    expect(again.status).toBe(404);
    expect(ErrorBody.parse(await again.json()).error.code).toBe('NOT_FOUND');
    expect((await revoke('key_unknown')).status).toBe(404);
  });

  it('forbids a non-admin from revoking keys', async () => {
    const operator = await issue('operator');
    const victim = await issue('dapp');
    expect((await revoke(victim.id, operator.key)).status).toBe(403);
    expect((await fetch(gw.api('/channels'), { headers: bearer(victim.key) })).status).toBe(200);
  });

  it('answers invalid JSON to /auth/keys with 400 INVALID_JSON', async () => {
    const res = await fetch(gw.api('/auth/keys'), {
      method: 'POST',
      headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/json' },
      body: '{"role": "dapp",',
    });
    expect(res.status).toBe(400);
    const body = ErrorBody.parse(await res.json());
    expect(body.error.code).toBe('INVALID_JSON');
    expect(body.error.message).toContain('not valid JSON');
  });

  it('answers an unknown role in /auth/keys with 400 naming the field', async () => {
    const res = await fetch(gw.api('/auth/keys'), {
      method: 'POST',
      headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'emperor', label: 'x' }),
    });
    expect(res.status).toBe(400);
    const body = ErrorBody.parse(await res.json());
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(body.error.message).toContain('role');
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND before asking for a key', async () => {
    const res = await fetch(gw.api('/no/such/thing'));
    expect(res.status).toBe(404);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('answers a known path with the wrong method with 405 and an Allow header', async () => {
    const res = await fetch(gw.api('/reviews'), { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(ErrorBody.parse(await res.json()).error.code).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('bootstrap admin key', () => {
  it('generates an admin key when none is configured or stored, logs it once across restarts, and it works', async () => {
    const dir = tempDir('gateway-bootstrap');
    const env = { ADMIN_API_KEY: undefined, LOG_LEVEL: 'info', DATA_DIR: dir.path, DB_SCHEMA: uniqueSchema('gateway_bootstrap') };
    try {
      const first = await startTestGateway({}, env);
      let key: string;
      try {
        const lines = first.logs.filter((l) => l.includes('bootstrap admin key: '));
        expect(lines).toHaveLength(1);
        const parsed = JSON.parse(lines[0] as string) as { level: number; msg: string };
        expect(parsed.level).toBe(40); // pino's warn
        key = parsed.msg.replace('bootstrap admin key: ', '');
      } finally {
        await first.close();
      }
      const second = await startTestGateway({}, env);
      try {
        expect(second.logs.filter((l) => l.includes('bootstrap admin key'))).toHaveLength(0);
        const res = await fetch(second.api('/auth/keys'), {
          method: 'POST',
          headers: { ...bearer(key), 'content-type': 'application/json' },
          body: JSON.stringify({ role: 'dapp', label: 'from the bootstrap key' }),
        });
        expect(res.status).toBe(201);
      } finally {
        await second.close();
      }
    } finally {
      dir.remove();
    }
  });
});
