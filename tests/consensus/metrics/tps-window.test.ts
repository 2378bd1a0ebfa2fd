import { describe, expect, it } from 'vitest';
import { TpsWindow } from '../../../consensus/metrics/tps-window.ts';

/** A 10 s window of 1 s buckets. */
const tenSeconds = () => new TpsWindow(10_000, 1_000);

describe('committed transactions per second over a sliding window', () => {
  it('is 0 before anything was committed', () => {
    expect(tenSeconds().ratePerS(5_000)).toBe(0);
  });

  it('divides what was committed within the window by its length', () => {
    const w = tenSeconds();
    w.record(30, 1_000);
    w.record(20, 4_500);
    expect(w.ratePerS(5_000)).toBe(5);
  });

  it('adds commits within one bucket together', () => {
    const w = tenSeconds();
    w.record(7, 2_000);
    w.record(3, 2_999);
    expect(w.ratePerS(3_000)).toBe(1);
  });

  it('forgets commits once they are older than the window', () => {
    const w = tenSeconds();
    w.record(100, 1_000);
    w.record(10, 9_000);
    expect(w.ratePerS(10_999)).toBe(11);
    expect(w.ratePerS(11_000)).toBe(1);
  });

  it('does not count a bucket reused by the ring as its old contents', () => {
    const w = tenSeconds();
    w.record(100, 2_000);
    w.record(5, 12_000);
    expect(w.ratePerS(12_000)).toBe(0.5);
  });

  it('is 0 after a quiet window', () => {
    const w = tenSeconds();
    w.record(50, 1_000);
    expect(w.ratePerS(60_000)).toBe(0);
  });

  it('counts commits at a clock that stepped back into the newest bucket', () => {
    const w = tenSeconds();
    w.record(10, 20_000);
    w.record(10, 3_000);
    expect(w.ratePerS(20_000)).toBe(2);
  });

  it('refuses a negative or fractional count', () => {
    expect(() => tenSeconds().record(-1, 0)).toThrow(RangeError);
    expect(() => tenSeconds().record(1.5, 0)).toThrow(RangeError);
  });

  it('refuses a window that is not a whole number of buckets', () => {
    expect(() => new TpsWindow(2_500, 1_000)).toThrow(RangeError);
    expect(() => new TpsWindow(1_000, 0)).toThrow(RangeError);
  });
});
