/**
 * The regular US equity session: 09:30 to 16:00 America/New_York, Monday to Friday, except
 * exchange holidays. Pure: the instant is a parameter, DST comes from the time-zone database.
 *
 * Holidays and early closes are a static list for 2025–2027 (NYSE's published calendar); outside
 * those years only weekends are closed. Extended hours (pre-market, after-hours) count as closed.
 */

const SESSION_TIME_ZONE = 'America/New_York';
const SESSION_OPEN_MINUTE = 9 * 60 + 30;
const SESSION_CLOSE_MINUTE = 16 * 60;
/** Early-close days end at 13:00 New York time. */
const EARLY_CLOSE_MINUTE = 13 * 60;

/** Full-day closures, New York calendar dates (NYSE holidays 2025–2027, observed dates). */
export const US_MARKET_HOLIDAYS: ReadonlySet<string> = new Set([
  // 2025 (Jan 9: national day of mourning for President Carter)
  '2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26',
  '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25',
  // 2026 (Independence Day on a Saturday: observed Friday Jul 3)
  '2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25',
  '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25',
  // 2027 (Juneteenth and Christmas on Saturdays, Independence Day on a Sunday)
  '2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31',
  '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24',
]);

/** Days the session closes at 13:00 New York time. */
export const US_MARKET_EARLY_CLOSES: ReadonlySet<string> = new Set(['2025-07-03', '2025-11-28', '2025-12-24', '2026-11-27', '2026-12-24', '2027-11-26']);

const newYorkParts = new Intl.DateTimeFormat('en-US', {
  timeZone: SESSION_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

interface NewYorkTime {
  /** YYYY-MM-DD in New York. */
  date: string;
  weekday: string;
  minuteOfDay: number;
}

function newYorkTimeOf(at: Date): NewYorkTime {
  const parts: Record<string, string> = {};
  for (const p of newYorkParts.formatToParts(at)) parts[p.type] = p.value;
  const { year, month, day, weekday, hour, minute } = parts;
  if (year === undefined || month === undefined || day === undefined || weekday === undefined || hour === undefined || minute === undefined) {
    throw new Error(`cannot read New York time of ${at.toISOString()}`);
  }
  return { date: `${year}-${month}-${day}`, weekday, minuteOfDay: Number(hour) * 60 + Number(minute) };
}

/** True while the regular US equity session is open at `at` (open at 09:30:00, closed from 16:00:00). */
export function isUsEquitySessionOpen(at: Date): boolean {
  const ny = newYorkTimeOf(at);
  if (ny.weekday === 'Sat' || ny.weekday === 'Sun') return false;
  if (US_MARKET_HOLIDAYS.has(ny.date)) return false;
  const closeMinute = US_MARKET_EARLY_CLOSES.has(ny.date) ? EARLY_CLOSE_MINUTE : SESSION_CLOSE_MINUTE;
  return ny.minuteOfDay >= SESSION_OPEN_MINUTE && ny.minuteOfDay < closeMinute;
}
