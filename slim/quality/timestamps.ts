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
    lastMs = Date.parse(iso);
    lastIso = iso;
  }
  return lastMs;
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
