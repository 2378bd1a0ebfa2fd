import { describe, expect, it } from 'vitest';
import { pushSignaturePayload } from '../../../schemas/index.ts';
import { checkSourceVerification, signPushPayload } from '../../../slim/quality/index.ts';
import { contextFor, iot, weather } from './support.ts';

const SECRET = 'push-secret-of-feed-iot-1';

describe('source verification', () => {
  describe('push', () => {
    const o = iot();
    const payload = pushSignaturePayload(o.feedId, o.observedAt, o.value);

    it('trusts a reading whose HMAC verifies with the feed secret', () => {
      const push = { signature: signPushPayload(SECRET, payload), signedPayload: payload, secret: SECRET };
      expect(checkSourceVerification(o, contextFor(o, { push })).score).toBe(1);
    });

    it('half-trusts an unsigned push', () => {
      const push = { signature: undefined, signedPayload: payload, secret: SECRET };
      expect(checkSourceVerification(o, contextFor(o, { push }))).toMatchObject({ score: 0.5, reason: 'unsigned push' });
    });

    it('rejects a signature made with another secret', () => {
      const push = { signature: signPushPayload('someone-elses-secret', payload), signedPayload: payload, secret: SECRET };
      expect(checkSourceVerification(o, contextFor(o, { push })).score).toBe(0);
    });

    it('rejects a valid signature replayed over a changed value', () => {
      const push = {
        signature: signPushPayload(SECRET, payload),
        signedPayload: pushSignaturePayload(o.feedId, o.observedAt, 99),
        secret: SECRET,
      };
      expect(checkSourceVerification(o, contextFor(o, { push })).score).toBe(0);
    });

    it('rejects a signed push when the feed has no secret to check it with', () => {
      const push = { signature: signPushPayload(SECRET, payload), signedPayload: payload, secret: null };
      expect(checkSourceVerification(o, contextFor(o, { push })).score).toBe(0);
    });

    it('matches the documented HMAC-SHA256 test vector (RFC 4231 case 2)', () => {
      expect(signPushPayload('Jefe', 'what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    });
  });

  describe('pull', () => {
    it('fully trusts the registered endpoint over https', () => {
      const o = weather();
      expect(checkSourceVerification(o, contextFor(o)).score).toBe(1);
    });

    it('trusts a plain-http mirror a little less for its unencrypted transport', () => {
      const o = weather({ source: { adapter: 'open-meteo', url: 'http://127.0.0.1:8081/v1/forecast?x=1', authentication: 'registered_endpoint' } });
      const ctx = contextFor(o);
      const feed = { ...ctx.feed!, source: { adapter: 'open-meteo' as const, params: { latitude: 52.52, longitude: 13.42, timezone: 'Europe/Berlin', metric: 'temperature_2m' as const, baseUrl: 'http://127.0.0.1:8081' } } };
      const result = checkSourceVerification(o, { ...ctx, feed });
      expect(result.score).toBe(0.9);
      expect(result.reason).toContain('unencrypted transport');
    });

    it('half-trusts an unauthenticated source', () => {
      const o = weather({ source: { adapter: 'open-meteo', authentication: 'none' } });
      expect(checkSourceVerification(o, contextFor(o)).score).toBe(0.5);
    });

    it('rejects an observation fetched from somewhere other than the feed endpoint', () => {
      const o = weather({ source: { adapter: 'open-meteo', url: 'https://evil.example/v1/forecast', authentication: 'registered_endpoint' } });
      expect(checkSourceVerification(o, contextFor(o)).score).toBe(0);
    });
  });
});
