import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHECK_NAMES, type CheckName, type CheckResult, type Observation } from '../../../../schemas/index.ts';
import {
  agreementPart,
  checkCompleteness,
  checkConsistency,
  checkFormat,
  checkFreshness,
  checkRange,
  checkReferentialIntegrity,
  checkSourceVerification,
  checkUniqueness,
  decide,
  runQualityChain,
  scoreChecks,
  sortedFinite,
  spikePart,
  spikePartOfSorted,
} from '../../../../slim/quality/index.ts';
import { fmt as fmtOf, linearDecay } from '../../../../slim/quality/result.ts';
import { median } from '../../../../slim/quality/consistency.ts';
import type { PushContext, QualityContext, QualityStep } from '../../../../slim/quality/context.ts';
import { carbon, contextFor, iot, market, NOW, realEstate, weather } from '../support.ts';

/** Bounded and reproducible: the same 200 cases on every run and machine. */
const RUNS = { numRuns: 200, seed: 20_260_301 } as const;
/** Scores travel rounded to 4 decimals, so a bound on the score holds up to half a unit there. */
const ROUNDING = 0.00005;
/** Two values at the same distance may differ in the last bit after subtraction. */
const FLOAT_SLACK = 1e-9;

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const anyNumber = fc.oneof(finite, fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MAX_VALUE));
const timestamp = fc.date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2100-01-01T00:00:00.000Z'), noInvalidDate: true }).map((d) => d.toISOString());

/** A well-formed observation of any category, with its value (and attested data field) replaced. */
const observation: fc.Arbitrary<Observation> = fc
  .tuple(fc.constantFrom('weather', 'iot', 'market', 'real_estate', 'carbon'), finite, timestamp)
  .map(([category, value, observedAt]) => {
    switch (category) {
      case 'weather':
        return weather({ value, observedAt }, { temperatureC: value });
      case 'iot':
        return iot({ value, observedAt }, { reading: value });
      case 'market':
        return market({ value, observedAt }, { price: value });
      case 'real_estate':
        return realEstate({ value, observedAt }, { valuationUsd: value });
      default:
        return carbon({ value, observedAt }, { intensityGPerKwh: value });
    }
  });

const peers = fc.array(fc.record({ feedId: fc.string({ minLength: 1, maxLength: 8 }), value: anyNumber, observedAt: timestamp }), { maxLength: 20 });

/** Any push context: device known or not, revoked or not, any signature, payload, nonce and window. */
const pushContext: fc.Arbitrary<PushContext> = fc.record({
  device: fc.option(
    fc.record({
      id: fc.constantFrom('sensor-42', 'sensor-99'),
      assetId: fc.constantFrom('cold-store-7', 'elsewhere'),
      secret: fc.string(),
      revokedAt: fc.option(timestamp, { nil: null }),
    }),
    { nil: null },
  ),
  signature: fc.option(fc.string(), { nil: undefined }),
  signedPayload: fc.option(fc.string(), { nil: null }),
  nonce: fc.option(fc.string(), { nil: undefined }),
  nonceFirstSeen: fc.constantFrom(true, false, null),
  windowMs: fc.nat(),
  clockSkewMs: fc.nat(),
});

/** A context with every part chosen at random: history, peers, push proof, hashes, clock. */
const contextOf = (o: Observation): fc.Arbitrary<QualityContext> =>
  fc
    .record({
      values: fc.array(anyNumber, { maxLength: 50 }),
      lastObservedAt: fc.option(fc.oneof(timestamp, fc.string()), { nil: null }),
      hashes: fc.array(fc.string(), { maxLength: 5 }),
      peers,
      now: fc.date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2100-01-01T00:00:00.000Z'), noInvalidDate: true }),
      push: fc.option(pushContext, { nil: undefined }),
      unknownFeed: fc.boolean(),
    })
    .map((r) => {
      const over = {
        history: { values: r.values, lastObservedAt: r.lastObservedAt, recentContentHashes: r.hashes },
        peers: r.peers,
        now: r.now,
        ...(r.push === undefined ? {} : { push: r.push }),
        ...(r.unknownFeed ? { feed: null } : {}),
      };
      return contextFor(o, over);
    });

const observationWithContext = observation.chain((o) => contextOf(o).map((ctx) => ({ o, ctx })));

/** Anything a device could send: random JSON, and observation-shaped objects with fields broken at random. */
const untrusted = fc.oneof(
  fc.anything(),
  fc.tuple(observation, fc.dictionary(fc.constantFrom('value', 'observedAt', 'receivedAt', 'unit', 'category', 'data', 'feedId', 'source'), fc.anything())).map(([o, broken]) => ({ ...o, ...broken })),
  fc.tuple(observation, fc.dictionary(fc.string({ maxLength: 12 }), fc.anything())).map(([o, extra]) => ({ ...o, data: { ...o.data, ...extra } })),
);

function expectWellFormed(result: CheckResult): void {
  expect(Number.isFinite(result.score)).toBe(true);
  expect(result.score).toBeGreaterThanOrEqual(0);
  expect(result.score).toBeLessThanOrEqual(1);
  expect(result.reason.trim().length).toBeGreaterThan(0);
}

const TYPED_STEPS: ReadonlyArray<readonly [string, QualityStep]> = [
  ['range', checkRange],
  ['consistency', checkConsistency],
  ['source verification', checkSourceVerification],
  ['freshness', checkFreshness],
  ['uniqueness', checkUniqueness],
  ['referential integrity', checkReferentialIntegrity],
];

describe('quality steps: properties', () => {
  describe('every step answers a finite score in [0,1] with a reason', () => {
    for (const [name, step] of TYPED_STEPS) {
      it(`${name}, for any well-formed observation in any context`, () => {
        fc.assert(fc.property(observationWithContext, ({ o, ctx }) => expectWellFormed(step(o, ctx))), RUNS);
      });
    }

    it('completeness and format, for any input at all, never throwing', () => {
      const ctx = contextFor(weather());
      fc.assert(
        fc.property(untrusted, (input) => {
          expectWellFormed(checkCompleteness(input, ctx));
          expectWellFormed(checkFormat(input, ctx));
        }),
        RUNS,
      );
    });

    it('the whole chain, for any input, gives nine checks and a decision that follows its score', () => {
      const ctx = contextFor(iot(), { feed: null });
      fc.assert(
        fc.property(untrusted, (input) => {
          const report = runQualityChain(input, ctx);
          expect(report.checks.map((c) => c.check)).toEqual([...CHECK_NAMES, 'quality_score']);
          for (const c of report.checks) expectWellFormed(c);
          expect(report.decision).toBe(decide(report.score, report.thresholds));
        }),
        RUNS,
      );
    });
  });

  it('freshness never rises as the observation ages', () => {
    const o = iot();
    fc.assert(
      fc.property(fc.nat({ max: 10 * 24 * 3_600_000 }), fc.nat({ max: 10 * 24 * 3_600_000 }), (a, b) => {
        const [younger, older] = a <= b ? [a, b] : [b, a];
        const at = (ageMs: number) => checkFreshness(iot({ observedAt: new Date(NOW.getTime() - ageMs).toISOString() }), contextFor(o)).score;
        expect(at(younger)).toBeGreaterThanOrEqual(at(older));
      }),
      RUNS,
    );
  });

  it('range scores 1 inside its bounds and 0 outside them', () => {
    fc.assert(
      fc.property(finite, finite, finite, (x, y, value) => {
        const [min, max] = x <= y ? [x, y] : [y, x];
        const o = iot({ value }, { reading: value });
        const score = checkRange(o, contextFor(o, { settings: { range: { min, max } } })).score;
        expect(score).toBe(value >= min && value <= max ? 1 : 0);
      }),
      RUNS,
    );
  });

  it('the spike test never scores a value higher than one nearer the history median', () => {
    const history = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 5, maxLength: 50 });
    const distance = fc.double({ min: 0, max: 1e7, noNaN: true });
    fc.assert(
      fc.property(history, distance, distance, fc.boolean(), fc.boolean(), (values, d1, d2, up1, up2) => {
        const m = median(values);
        const [near, far] = d1 <= d2 ? [d1, d2] : [d2, d1];
        const nearScore = spikePart(up1 ? m + near : m - near, values).score;
        const farScore = spikePart(up2 ? m + far : m - far, values).score;
        expect(nearScore).toBeGreaterThanOrEqual(farScore - FLOAT_SLACK);
      }),
      RUNS,
    );
  });

  it('the spike test over sorted history scores and explains as median and MAD taken by full sorts do', () => {
    // Duplicates, zeros of both signs, constant runs and huge magnitudes: where selection and merging could part.
    const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1, 1e308, -1e308), fc.integer({ min: -3, max: 3 }));
    const history = fc.array(fc.oneof(value, fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)), { maxLength: 50 });
    const sortedMedian = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const mid = s.length >> 1;
      return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
    };
    fc.assert(
      fc.property(history, value, (values, x) => {
        const finiteValues = values.filter(Number.isFinite);
        const got = spikePart(x, values);
        if (finiteValues.length < 5) {
          expect(got.score).toBe(1);
          return;
        }
        const m = sortedMedian(finiteValues);
        const mad = sortedMedian(finiteValues.map((v) => Math.abs(v - m)));
        const z = (0.6745 * Math.abs(x - m)) / mad;
        if (mad > 0 && Number.isNaN(z)) return; // overflowed history: no score to compare (the chain's result check rejects it)
        if (mad > 0) {
          expect(got.score).toBe(linearDecay(z, 3.5, 10));
          expect(got.reason).toContain(`robust z ${fmtOf(z)} against median ${fmtOf(m)}`);
        } else if (m !== 0) {
          expect(got.score).toBe(linearDecay(Math.abs(x - m) / Math.abs(m), 0.01, 0.2));
          expect(got.reason).toContain(`from the constant history ${fmtOf(m)}`);
        } else {
          expect(got.score).toBe(1);
        }
        // The chain's entry: the same part from the history as the I/O layer keeps it.
        expect(spikePartOfSorted(x, sortedFinite(values))).toEqual(got);
      }),
      { ...RUNS, numRuns: 500 },
    );
  });

  it('cross-source agreement never scores a value higher than one nearer the peers median', () => {
    const peerValues = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 20 });
    const distance = fc.double({ min: 0, max: 1e7, noNaN: true });
    fc.assert(
      fc.property(
        peerValues,
        distance,
        distance,
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('weather', 'iot', 'market', 'real_estate', 'carbon' as const),
        (values, d1, d2, up1, up2, category) => {
          const ps = values.map((value, i) => ({ feedId: `peer-${i}`, value, observedAt: NOW.toISOString() }));
          const m = median(values);
          const [near, far] = d1 <= d2 ? [d1, d2] : [d2, d1];
          const nearScore = agreementPart(up1 ? m + near : m - near, ps, category, 'self').score;
          const farScore = agreementPart(up2 ? m + far : m - far, ps, category, 'self').score;
          expect(nearScore).toBeGreaterThanOrEqual(farScore - FLOAT_SLACK);
        },
      ),
      RUNS,
    );
  });

  it('uniqueness scores 0 for content whose hash was already seen', () => {
    fc.assert(
      fc.property(observation, fc.array(fc.string(), { maxLength: 50 }), fc.nat(), (o, others, at) => {
        const ctx = contextFor(o);
        const hashes = [...others];
        hashes.splice(at % (hashes.length + 1), 0, ctx.contentHash);
        expect(checkUniqueness(o, { ...ctx, history: { ...ctx.history, seenContentHashes: new Set(hashes) } }).score).toBe(0);
      }),
      RUNS,
    );
  });

  it('the weighted score lies between the weakest and strongest check, at most margin above the weakest, and decides by the thresholds', () => {
    const unit = fc.double({ min: 0, max: 1, noNaN: true });
    const settings = fc
      .record({
        weights: fc.tuple(...CHECK_NAMES.map(() => fc.double({ min: 0, max: 10, noNaN: true }))),
        margin: fc.double({ min: 0, max: 1, noNaN: true }),
        a: unit,
        b: unit,
      })
      .filter((s) => s.weights.some((w) => w > 0));
    fc.assert(
      fc.property(fc.tuple(...CHECK_NAMES.map(() => unit)), settings, (scores, s) => {
        const checks = CHECK_NAMES.map((check, i) => ({ check, score: scores[i] as number, reason: 'x' }));
        const weights = Object.fromEntries(CHECK_NAMES.map((n, i) => [n, s.weights[i] as number])) as Record<CheckName, number>;
        const thresholds = { accept: Math.max(s.a, s.b), review: Math.min(s.a, s.b) };
        const q = scoreChecks(checks, { weights, thresholds, weakestCheckMargin: s.margin });
        const weakest = Math.min(...scores);
        const strongest = Math.max(...scores);
        expect(q.score).toBeGreaterThanOrEqual(weakest - ROUNDING);
        expect(q.score).toBeLessThanOrEqual(strongest + ROUNDING);
        expect(q.score).toBeLessThanOrEqual(weakest + s.margin + ROUNDING);
        expect(q.decision).toBe(q.score >= thresholds.accept ? 'accepted' : q.score >= thresholds.review ? 'review' : 'rejected');
        expect(q.result.score).toBe(q.score);
      }),
      RUNS,
    );
  });
});
