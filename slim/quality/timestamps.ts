/** The last `observedAt` parsed, and its milliseconds. */
let lastIso: string | undefined;
let lastMs = Number.NaN;

/**
 * `Date.parse` of an observation's `observedAt` (NaN when it is no timestamp), remembering the last
 * one: format, freshness and uniqueness each read it within one evaluation. A pure function of the
 * string, so the memo can never change an answer; it only spares the parser. One slot on purpose:
 * other timestamps (receipt, the feed's last) are read once, and comparing against more slots of
 * same-prefix ISO strings would cost what it saves.
 */
export function observedAtMs(iso: string): number {
  if (iso !== lastIso) {
    lastMs = isoMs(iso);
    lastIso = iso;
  }
  return lastMs;
}

/**
 * `canonicalIsoMs` of an observation's `observedAt`, left in the `observedAtMs` memo when it is one
 * (there it equals Date.parse): the format step's fast path reads it first, the later steps then hit.
 */
export function canonicalObservedAtMs(iso: string): number {
  const ms = canonicalIsoMs(iso);
  if (!Number.isNaN(ms)) {
    lastIso = iso;
    lastMs = ms;
  }
  return ms;
}

/**
 * `Date.parse(iso)`, with the shape toISOString writes (`YYYY-MM-DDTHH:MM:SS.sssZ`, a real calendar
 * date) read digit by digit: an evaluation reads three or four timestamps, and the built-in parser
 * costs a few hundred ns each. Every other string (offsets, other precisions, dates the built-in
 * parser rolls over such as 02-30) takes the built-in path.
 */
export function isoMs(iso: string): number {
  const ms = canonicalIsoMs(iso);
  return Number.isNaN(ms) ? Date.parse(iso) : ms;
}

/** The value of the decimal digit at `i`, or -1 when it is not one. */
function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - 0x30;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Two digits at `i` as a number, or -1. */
function twoDigits(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * Milliseconds of `YYYY-MM-DDTHH:MM:SS.sssZ` naming a real instant (month 01–12, a day the month has
 * in that Gregorian year, hours 00–23, minutes and seconds 00–59); NaN for any other string. The
 * same strings zod's ISO pattern accepts in that shape, and the same number Date.parse gives them.
 */
export function canonicalIsoMs(s: string): number {
  if (s.length !== 24) return Number.NaN;
  // - - T : : . Z
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(10) !== 0x54 || s.charCodeAt(13) !== 0x3a) return Number.NaN;
  if (s.charCodeAt(16) !== 0x3a || s.charCodeAt(19) !== 0x2e || s.charCodeAt(23) !== 0x5a) return Number.NaN;
  const century = twoDigits(s, 0);
  const yy = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hours = twoDigits(s, 11);
  const minutes = twoDigits(s, 14);
  const seconds = twoDigits(s, 17);
  const m1 = digitAt(s, 20);
  const m2 = digitAt(s, 21);
  const m3 = digitAt(s, 22);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || hours < 0 || hours > 23) return Number.NaN;
  if (minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59 || m1 < 0 || m2 < 0 || m3 < 0) return Number.NaN;
  const year = century * 100 + yy;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month] as number);
  if (day > monthDays) return Number.NaN;
  return daysFromCivil(year, month, day) * 86_400_000 + hours * 3_600_000 + minutes * 60_000 + seconds * 1_000 + m1 * 100 + m2 * 10 + m3;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; the inverse of the one in `isoOfMs`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `new Date(ms).toISOString()` without a Date: every report carries its evaluation instant, and
 * the built-in formatter costs about as much as a quality step. Civil date from days since the
 * epoch (H. Hinnant's algorithm); instants outside years 1970–9999 take the built-in path.
 */
export function isoOfMs(ms: number): string {
  if (!(ms >= 0 && ms < ISO_FAST_MS_MAX) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1_000);
  const millis = rest - seconds * 1_000;

  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(millis)}Z`;
}

/** 10000-01-01T00:00:00.000Z: from there toISOString writes a six-digit signed year. */
const ISO_FAST_MS_MAX = 253_402_300_800_000;
