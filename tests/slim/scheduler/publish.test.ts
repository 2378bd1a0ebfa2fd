import { describe, expect, it } from 'vitest';
import { deviationBps, shouldPublish } from '../../../slim/scheduler/index.ts';

const at = (ms: number, value: number) => ({ value, atMs: ms });

describe('shouldPublish: deviation and heartbeat', () => {
  it('publishes every new reading when the schedule sets neither heartbeat nor deviation', () => {
    expect(shouldPublish({ rule: {}, last: at(0, 100), next: at(1, 100) })).toBe(true);
  });

  it('publishes the first observation of a feed whatever the rule', () => {
    expect(shouldPublish({ rule: { heartbeatMs: 60_000, deviationBps: 50 }, last: null, next: at(0, 100) })).toBe(true);
  });

  it('holds back a move of exactly the threshold and publishes one just above it', () => {
    const rule = { deviationBps: 50 }; // 0.5%
    expect(shouldPublish({ rule, last: at(0, 100), next: at(1, 100.5) })).toBe(false);
    expect(shouldPublish({ rule, last: at(0, 100), next: at(1, 99.5) })).toBe(false);
    expect(shouldPublish({ rule, last: at(0, 100), next: at(1, 100.5001) })).toBe(true);
    expect(shouldPublish({ rule, last: at(0, 100), next: at(1, 99.4999) })).toBe(true);
  });

  it('measures deviation against the size of a negative last value too', () => {
    expect(shouldPublish({ rule: { deviationBps: 100 }, last: at(0, -10), next: at(1, -10.05) })).toBe(false);
    expect(shouldPublish({ rule: { deviationBps: 100 }, last: at(0, -10), next: at(1, -10.2) })).toBe(true);
  });

  it('treats any move away from a last value of zero as a deviation, and zero to zero as none', () => {
    expect(deviationBps(0, 0)).toBe(0);
    expect(shouldPublish({ rule: { deviationBps: 1 }, last: at(0, 0), next: at(1, 1e-9) })).toBe(true);
    expect(shouldPublish({ rule: { deviationBps: 1 }, last: at(0, 0), next: at(1, 0) })).toBe(false);
  });

  it('publishes when the heartbeat has elapsed exactly, and not a millisecond before', () => {
    const rule = { heartbeatMs: 60_000, deviationBps: 50 };
    expect(shouldPublish({ rule, last: at(1_000, 100), next: at(60_999, 100) })).toBe(false);
    expect(shouldPublish({ rule, last: at(1_000, 100), next: at(61_000, 100) })).toBe(true);
  });

  it('with a heartbeat alone, holds back any move until the heartbeat', () => {
    const rule = { heartbeatMs: 60_000 };
    expect(shouldPublish({ rule, last: at(0, 100), next: at(59_999, 500) })).toBe(false);
    expect(shouldPublish({ rule, last: at(0, 100), next: at(60_000, 100) })).toBe(true);
  });

  it('with a deviation alone, never publishes an unmoved value however long it waits', () => {
    expect(shouldPublish({ rule: { deviationBps: 10 }, last: at(0, 100), next: at(365 * 86_400_000, 100) })).toBe(false);
  });
});
