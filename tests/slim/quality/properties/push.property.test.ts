import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pushSignaturePayload } from '../../../../schemas/index.ts';
import { nonceToRemember } from '../../../../slim/feeds/push.ts';
import type { PushContext } from '../../../../slim/quality/context.ts';
import { constantTimeEqual } from '../../../../runtime/constant-time.ts';
import { checkReferentialIntegrity, checkSourceVerification, pushSignatureValid, signPushPayload } from '../../../../slim/quality/index.ts';
import { DEVICE, NOW, PUSH_SKEW_MS, PUSH_WINDOW_MS, contextFor, iot } from '../support.ts';

/** Bounded and reproducible: the same cases on every run and machine. */
const RUNS = { numRuns: 200, seed: 20_260_302 } as const;

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const nonce = fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/);
/** Instants within the replay window around NOW, and anywhere from 2000 to 2100. */
const inWindow = fc.integer({ min: -PUSH_WINDOW_MS, max: PUSH_SKEW_MS }).map((d) => new Date(NOW.getTime() + d).toISOString());
const anyInstant = fc.date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2100-01-01T00:00:00.000Z'), noInvalidDate: true }).map((d) => d.toISOString());

interface Signed {
  deviceId: string;
  feedId: string;
  observedAt: string;
  value: number;
  nonce: string;
}

const signedFields: fc.Arbitrary<Signed> = fc.record({
  deviceId: fc.constant(DEVICE.id),
  feedId: fc.constant('feed-iot-1'),
  observedAt: inWindow,
  value: finite,
  nonce,
});

/** The reading `s` as an observation, with the push context the worker builds for it once its nonce was looked at. */
function judged(s: Signed, signature: string, over: Partial<PushContext> = {}) {
  const o = iot({ feedId: s.feedId, observedAt: s.observedAt, value: s.value }, { reading: s.value, deviceId: s.deviceId });
  const push: PushContext = {
    device: DEVICE,
    signature,
    signedPayload: pushSignaturePayload(s),
    nonce: s.nonce,
    nonceFirstSeen: true,
    windowMs: PUSH_WINDOW_MS,
    clockSkewMs: PUSH_SKEW_MS,
    ...over,
  };
  return { o, ctx: contextFor(o, { push }) };
}

/** One signed field changed to a different value (what a tamperer or a replay over new content does). */
const tampered = (s: Signed): fc.Arbitrary<Signed> =>
  fc.oneof(
    fc.string({ minLength: 1, maxLength: 20 }).filter((v) => v !== s.deviceId).map((deviceId) => ({ ...s, deviceId })),
    fc.string({ minLength: 1, maxLength: 20 }).filter((v) => v !== s.feedId).map((feedId) => ({ ...s, feedId })),
    inWindow.filter((v) => v !== s.observedAt).map((observedAt) => ({ ...s, observedAt })),
    finite.filter((v) => String(v) !== String(s.value)).map((value) => ({ ...s, value })),
    nonce.filter((v) => v !== s.nonce).map((n) => ({ ...s, nonce: n })),
  );

describe('signed push: properties', () => {
  it('verifies any untouched reading signed with the device key, fresh and first seen', () => {
    fc.assert(
      fc.property(signedFields, (s) => {
        const { o, ctx } = judged(s, signPushPayload(DEVICE.secret, pushSignaturePayload(s)));
        expect(checkSourceVerification(o, ctx).score).toBe(1);
      }),
      RUNS,
    );
  });

  it('fails verification when any one signed field changes after signing', () => {
    const cases = signedFields.chain((s) => tampered(s).map((t) => ({ s, t })));
    fc.assert(
      fc.property(cases, ({ s, t }) => {
        const signature = signPushPayload(DEVICE.secret, pushSignaturePayload(s));
        const { o, ctx } = judged(t, signature);
        expect(checkSourceVerification(o, ctx).score).toBe(0);
      }),
      RUNS,
    );
  });

  it('never scores a replayed nonce 1, whatever else holds', () => {
    fc.assert(
      fc.property(signedFields, fc.option(fc.string(), { nil: undefined }), fc.boolean(), (s, signature, revoked) => {
        const sig = signature ?? signPushPayload(DEVICE.secret, pushSignaturePayload(s));
        const device = revoked ? { ...DEVICE, revokedAt: '2025-01-01T00:00:00.000Z' } : DEVICE;
        const { o, ctx } = judged(s, sig, { nonceFirstSeen: false, device });
        expect(checkSourceVerification(o, ctx).score).toBe(0);
      }),
      RUNS,
    );
  });

  it('never scores 1 a signed reading observed outside the window, even with a first-seen nonce', () => {
    const outside = anyInstant.filter((t) => {
      const d = Date.parse(t) - NOW.getTime();
      return d < -PUSH_WINDOW_MS || d > PUSH_SKEW_MS;
    });
    fc.assert(
      fc.property(signedFields, outside, (s0, observedAt) => {
        const s = { ...s0, observedAt };
        const { o, ctx } = judged(s, signPushPayload(DEVICE.secret, pushSignaturePayload(s)));
        expect(checkSourceVerification(o, ctx).score).toBe(0);
      }),
      RUNS,
    );
  });

  it('remembers no nonce of a reading whose signature does not verify', () => {
    fc.assert(
      fc.property(signedFields, fc.string(), (s, key) => {
        fc.pre(key !== DEVICE.secret);
        const { ctx } = judged(s, signPushPayload(key, pushSignaturePayload(s)), { nonceFirstSeen: null });
        if (ctx.push === undefined) throw new Error('no push context');
        expect(nonceToRemember(ctx.push, s.observedAt, NOW)).toBeNull();
      }),
      RUNS,
    );
  });

  it('takes a signature in any letter case, and nothing but the HMAC, as the portable compare of its lower case does', () => {
    const hmacOf = (s: Signed) => signPushPayload(DEVICE.secret, pushSignaturePayload(s));
    const caseMixed = (hex: string, upper: boolean[]) => [...hex].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c)).join('');
    const signature = (s: Signed) =>
      fc.oneof(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }).map((upper) => caseMixed(hmacOf(s), upper)),
        fc.string({ maxLength: 70 }),
        fc.string({ unit: 'binary', minLength: 64, maxLength: 64 }),
        fc.nat({ max: 63 }).map((i) => `${hmacOf(s).slice(0, i)}${hmacOf(s)[i] === '0' ? '1' : '0'}${hmacOf(s).slice(i + 1)}`),
      );
    fc.assert(
      fc.property(signedFields.chain((s) => signature(s).map((sig) => ({ s, sig }))), ({ s, sig }) => {
        expect(pushSignatureValid(DEVICE.secret, pushSignaturePayload(s), sig)).toBe(constantTimeEqual(hmacOf(s), sig.toLowerCase()));
      }),
      RUNS,
    );
  });

  it('remembers the nonce of a verified fresh reading until it leaves the window', () => {
    fc.assert(
      fc.property(signedFields, (s) => {
        const { ctx } = judged(s, signPushPayload(DEVICE.secret, pushSignaturePayload(s)), { nonceFirstSeen: null });
        if (ctx.push === undefined) throw new Error('no push context');
        const remembered = nonceToRemember(ctx.push, s.observedAt, NOW);
        expect(remembered).toEqual({ deviceId: DEVICE.id, nonce: s.nonce, expiresAt: new Date(Date.parse(s.observedAt) + PUSH_WINDOW_MS) });
        // Not already expired when it is written: a replay arriving now is still caught by the table.
        expect(remembered?.expiresAt.getTime()).toBeGreaterThanOrEqual(NOW.getTime());
      }),
      RUNS,
    );
  });

  it('scores any iot reading of a missing or revoked device 0 in referential integrity', () => {
    fc.assert(
      fc.property(signedFields, fc.option(anyInstant, { nil: null }), (s, revokedAt) => {
        const device = revokedAt === null ? null : { ...DEVICE, revokedAt };
        const { o, ctx } = judged(s, signPushPayload(DEVICE.secret, pushSignaturePayload(s)), { device });
        expect(checkReferentialIntegrity(o, ctx).score).toBe(0);
        expect(checkSourceVerification(o, ctx).score).toBe(0);
      }),
      RUNS,
    );
  });
});
