import { describe, expect, it } from 'vitest';
import { checkSourceVerification, signPushPayload } from '../../../slim/quality/index.ts';
import { DEVICE, NOW, PUSH_SKEW_MS, PUSH_WINDOW_MS, contextFor, iot, payloadOf, verifiedPush, weather } from './support.ts';

const verify = (o: ReturnType<typeof iot>, over: Parameters<typeof verifiedPush>[1] = {}) => checkSourceVerification(o, contextFor(o, { push: verifiedPush(o, over) }));
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

describe('source verification', () => {
  describe('push', () => {
    const o = iot();

    it('trusts a fresh reading whose HMAC verifies with the device key and whose nonce is new', () => {
      expect(verify(o)).toMatchObject({ score: 1 });
    });

    it('half-trusts an unsigned push from a registered device (API key only)', () => {
      expect(verify(o, { signature: undefined, nonceFirstSeen: null })).toMatchObject({ score: 0.5, reason: 'unsigned push (API key only)' });
    });

    it('rejects a signature made with another key', () => {
      const result = verify(o, { signature: signPushPayload('someone-elses-key', payloadOf(o)) });
      expect(result.score).toBe(0);
      expect(result.reason).toContain('does not match');
    });

    it('rejects a valid signature carried over to a changed value', () => {
      const changed = iot({ value: 99 }, { reading: 99 });
      const result = verify(changed, { signature: signPushPayload(DEVICE.secret, payloadOf(o)) });
      expect(result.score).toBe(0);
    });

    it('rejects a replayed nonce, saying so', () => {
      const result = verify(o, { nonceFirstSeen: false });
      expect(result.score).toBe(0);
      expect(result.reason).toContain('replayed nonce');
    });

    it('rejects a signed reading whose nonce was not checked', () => {
      expect(verify(o, { nonceFirstSeen: null }).score).toBe(0);
    });

    it('rejects a signed reading observed before the replay window, saying so', () => {
      const old = iot({ observedAt: at(-PUSH_WINDOW_MS - 1) });
      const result = checkSourceVerification(old, contextFor(old, { push: verifiedPush(old) }));
      expect(result.score).toBe(0);
      expect(result.reason).toContain('outside the replay window');
    });

    it('rejects a signed reading dated further ahead than the clock skew allows', () => {
      const ahead = iot({ observedAt: at(PUSH_SKEW_MS + 1) });
      expect(checkSourceVerification(ahead, contextFor(ahead, { push: verifiedPush(ahead) })).score).toBe(0);
    });

    it('accepts a signed reading at the edges of the window', () => {
      for (const edge of [at(-PUSH_WINDOW_MS), at(PUSH_SKEW_MS)]) {
        const r = iot({ observedAt: edge });
        expect(checkSourceVerification(r, contextFor(r, { push: verifiedPush(r) })).score).toBe(1);
      }
    });

    it('rejects any reading of a revoked device, signed or not, saying so', () => {
      const revokedAt = '2025-01-15T13:00:00.000Z';
      expect(verify(o, { device: { ...DEVICE, revokedAt } })).toMatchObject({ score: 0, reason: `device sensor-42 was revoked at ${revokedAt}` });
      expect(verify(o, { device: { ...DEVICE, revokedAt }, signature: undefined }).score).toBe(0);
    });

    it('rejects any reading of an unknown device, saying so', () => {
      const result = verify(o, { device: null });
      expect(result.score).toBe(0);
      expect(result.reason).toContain('unknown device');
    });

    it('rejects a signed reading without a nonce', () => {
      expect(verify(o, { nonce: undefined, signedPayload: null }).score).toBe(0);
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

    it('trusts readings from the operator MQTT broker over TLS fully and over plain MQTT a little less', () => {
      const overTls = weather({ source: { adapter: 'mqtt', url: 'mqtts://broker.internal:8883/site/t1', authentication: 'registered_endpoint' } });
      const plain = weather({ source: { adapter: 'mqtt', url: 'mqtt://127.0.0.1:1883/site/t1', authentication: 'registered_endpoint' } });
      const onMqttFeed = (o: typeof plain) => {
        const ctx = contextFor(o);
        const source = { adapter: 'mqtt' as const, params: { topic: 'site/t1', key: 'temperature', deviceId: 't1', unit: 'C', metric: 'temperature' } };
        return { ...ctx, feed: { ...ctx.feed!, source } };
      };
      expect(checkSourceVerification(overTls, onMqttFeed(overTls)).score).toBe(1);
      const result = checkSourceVerification(plain, onMqttFeed(plain));
      expect(result.score).toBe(0.9);
      expect(result.reason).toContain('unencrypted transport mqtt');
    });

    it('refuses a transport it does not know', () => {
      const o = weather({ source: { adapter: 'mqtt', url: 'ftp://127.0.0.1/feed', authentication: 'registered_endpoint' } });
      expect(checkSourceVerification(o, contextFor(o)).score).toBe(0);
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
