import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortedFinite } from '../../../slim/quality/index.ts';
import { addToHistoryWindow, feedHistoryOf, HISTORY_VALUES_MAX, historyWindowOf } from '../../../slim/storage/observations.ts';

const T0 = Date.parse('2025-01-15T13:00:00.000Z');

/** Readings in any order, with repeated values, both zeros and repeated timestamps; some published. */
const reading = fc.record({
  offsetMs: fc.integer({ min: 0, max: 200 }).map((s) => s * 1_000),
  value: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0)),
  published: fc.boolean(),
});

describe('history window', () => {
  it('keeps its sorted values and hash counts those of its history as readings come and go', () => {
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 3 * HISTORY_VALUES_MAX }), (readings) => {
        const window = historyWindowOf([], []);
        readings.forEach((r, i) => {
          addToHistoryWindow(window, { observedAtMs: T0 + r.offsetMs, value: r.value, contentHash: `h${i % 7}`, published: r.published });
          const history = feedHistoryOf(window);
          expect(history.values.length).toBeLessThanOrEqual(HISTORY_VALUES_MAX);
          expect(history.sortedValues).toEqual(sortedFinite(history.values));
          // Repeated hashes: one leaving the window must not take its twin's entry with it.
          expect(history.seenContentHashes).toEqual(historyWindowOf([], window.recent).recentHashCounts);
        });
      }),
      { numRuns: 200, seed: 20_260_307 },
    );
  });

  it('gives the context a copy of its sorted values, so a later reading cannot change an earlier context', () => {
    const window = historyWindowOf([], []);
    addToHistoryWindow(window, { observedAtMs: T0, value: 2, contentHash: 'a', published: true });
    const before = feedHistoryOf(window);
    addToHistoryWindow(window, { observedAtMs: T0 + 1_000, value: 1, contentHash: 'b', published: true });
    expect(before.sortedValues).toEqual([2]);
    expect(feedHistoryOf(window).sortedValues).toEqual([1, 2]);
  });
});
