import { describe, expect, it } from 'vitest';
import { ejectedMax, freshOutlierState, isEjected, observeFailure, observeSuccess, type OutlierPolicy, type OutlierState } from '../../../gateway/pools/outlier.ts';

const POLICY: OutlierPolicy = { consecutiveFailuresMax: 5, baseEjectionMs: 30_000, ejectionMsMax: 100_000, ejectedPercentMax: 50 };

/** `count` failures in a row at `nowMs`, the pool always able to spare the member. */
function fail(state: OutlierState, count: number, nowMs: number, policy = POLICY): OutlierState {
  let s = state;
  for (let i = 0; i < count; i++) s = observeFailure(s, nowMs, policy, true).state;
  return s;
}

describe('passive outlier detection', () => {
  it('ejects a member on its fifth consecutive failure, not before', () => {
    const four = fail(freshOutlierState(), 4, 0);
    expect(isEjected(four, 0)).toBe(false);
    const { state, verdict } = observeFailure(four, 0, POLICY, true);
    expect(verdict).toBe('ejected');
    expect(state.ejectedUntilMs).toBe(30_000);
  });

  it('starts counting again after a success', () => {
    const afterSuccess = observeSuccess(fail(freshOutlierState(), 4, 0), 0);
    expect(afterSuccess.consecutiveFailures).toBe(0);
    expect(isEjected(fail(afterSuccess, 4, 0), 0)).toBe(false);
  });

  it('re-admits the member once the cool-down has passed, with a clean count', () => {
    const ejected = fail(freshOutlierState(), 5, 0);
    expect(isEjected(ejected, 29_999)).toBe(true);
    expect(isEjected(ejected, 30_000)).toBe(false);
    const { state, verdict } = observeFailure(ejected, 30_000, POLICY, true);
    expect(verdict).toBe('counted');
    expect(state.consecutiveFailures).toBe(1);
  });

  it('ejects for longer each time, base times the number of ejections, up to the maximum', () => {
    const durations: number[] = [];
    let state = freshOutlierState();
    let nowMs = 0;
    for (let i = 0; i < 5; i++) {
      state = fail(state, 5, nowMs);
      const until = state.ejectedUntilMs ?? nowMs;
      durations.push(until - nowMs);
      // Straight back to failing at re-admission: no time in service to earn a decay.
      nowMs = until;
    }
    expect(durations).toEqual([30_000, 60_000, 90_000, 100_000, 100_000]);
  });

  it('lets the ejection count decay by one for each base period spent in service', () => {
    const twice = fail(fail(freshOutlierState(), 5, 0), 5, 30_000);
    expect(twice.timesEjected).toBe(2);
    // Re-admitted at 90 000; one base period later the next ejection counts as the second, not the third.
    const third = fail(twice, 5, 90_000 + 30_000);
    expect(third.timesEjected).toBe(2);
    expect((third.ejectedUntilMs ?? 0) - 120_000).toBe(60_000);
  });

  it('does not eject when the pool cannot spare the member, and asks again on the next failure', () => {
    const atThreshold = fail(freshOutlierState(), 4, 0);
    const refused = observeFailure(atThreshold, 0, POLICY, false);
    expect(refused.verdict).toBe('ejection-refused');
    expect(isEjected(refused.state, 0)).toBe(false);
    expect(observeFailure(refused.state, 0, POLICY, true).verdict).toBe('ejected');
  });

  it('ignores failures of requests still in flight while the member is ejected', () => {
    const ejected = fail(freshOutlierState(), 5, 0);
    const { state, verdict } = observeFailure(ejected, 10_000, POLICY, true);
    expect(verdict).toBe('already-ejected');
    expect(state).toEqual(ejected);
  });

  it('ejects at most half of a pool and never its last member', () => {
    expect([1, 2, 3, 4, 5, 10].map((size) => ejectedMax(size, 50))).toEqual([0, 1, 1, 2, 2, 5]);
    expect([1, 2, 3].map((size) => ejectedMax(size, 100))).toEqual([0, 1, 2]);
    expect(ejectedMax(4, 0)).toBe(0);
  });
});
