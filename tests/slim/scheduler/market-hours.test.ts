import { describe, expect, it } from 'vitest';
import { isUsEquitySessionOpen } from '../../../slim/scheduler/index.ts';

const open = (iso: string) => isUsEquitySessionOpen(new Date(iso));

describe('US equity regular session (09:30–16:00 America/New_York)', () => {
  it('opens at 09:30 and closes at 16:00 New York time in winter (UTC-5)', () => {
    // Friday 2025-03-07, still standard time.
    expect(open('2025-03-07T14:29:59Z')).toBe(false);
    expect(open('2025-03-07T14:30:00Z')).toBe(true);
    expect(open('2025-03-07T20:59:59Z')).toBe(true);
    expect(open('2025-03-07T21:00:00Z')).toBe(false);
  });

  it('follows daylight saving time on the Monday after clocks go forward (UTC-4)', () => {
    // DST began Sunday 2025-03-09: 09:30 New York is now 13:30 UTC.
    expect(open('2025-03-10T13:29:59Z')).toBe(false);
    expect(open('2025-03-10T13:30:00Z')).toBe(true);
    expect(open('2025-03-10T19:59:59Z')).toBe(true);
    expect(open('2025-03-10T20:00:00Z')).toBe(false);
  });

  it('follows the return to standard time on the Monday after clocks go back', () => {
    // DST ended Sunday 2025-11-02: the Friday before opens 13:30 UTC, the Monday after 14:30 UTC.
    expect(open('2025-10-31T13:30:00Z')).toBe(true);
    expect(open('2025-11-03T13:30:00Z')).toBe(false);
    expect(open('2025-11-03T14:30:00Z')).toBe(true);
    expect(open('2025-11-03T20:30:00Z')).toBe(true);
    expect(open('2025-11-03T21:00:00Z')).toBe(false);
  });

  it('is closed on weekends, including the DST switch Sundays', () => {
    expect(open('2025-03-08T15:00:00Z')).toBe(false); // Saturday
    expect(open('2025-03-09T15:00:00Z')).toBe(false); // Sunday, DST starts
    expect(open('2025-11-02T15:00:00Z')).toBe(false); // Sunday, DST ends
  });

  it('judges the weekday in New York time, not in UTC', () => {
    // Friday 2026-01-09 15:59 EST = 20:59 UTC, still Friday; 19:00 EST Friday = Saturday 00:00 UTC, closed either way.
    expect(open('2026-01-09T20:59:00Z')).toBe(true);
    expect(open('2026-01-10T00:00:00Z')).toBe(false);
  });

  it('is closed on listed holidays, including observed ones', () => {
    expect(open('2025-12-25T15:00:00Z')).toBe(false); // Christmas 2025, a Thursday
    expect(open('2026-07-03T15:00:00Z')).toBe(false); // Independence Day observed (Jul 4 is a Saturday)
    expect(open('2027-03-26T15:00:00Z')).toBe(false); // Good Friday 2027
    expect(open('2026-07-06T15:00:00Z')).toBe(true); // the Monday after is an ordinary day
  });

  it('closes at 13:00 New York time on early-close days', () => {
    // Friday after Thanksgiving 2026, standard time: 13:00 EST = 18:00 UTC.
    expect(open('2026-11-27T17:59:00Z')).toBe(true);
    expect(open('2026-11-27T18:00:00Z')).toBe(false);
  });
});
