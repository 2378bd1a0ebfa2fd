/** How many recent timestamp strings `timestampMs` remembers: an observation's two, plus its feed's last. */
const MEMO_SLOTS = 4;
const memoKeys: Array<string | undefined> = new Array<string | undefined>(MEMO_SLOTS).fill(undefined);
const memoMs = new Float64Array(MEMO_SLOTS);
let memoNext = 0;

/**
 * `Date.parse` of an ISO timestamp (NaN when it is none), remembering the last few strings: within
 * one evaluation format, freshness and uniqueness all read `observedAt`, and every reading of a
 * batch compares with the same last timestamp. A pure function of the string, so the memo can
 * never change an answer; it only spares the parser.
 */
export function timestampMs(iso: string): number {
  for (let i = 0; i < MEMO_SLOTS; i++) if (memoKeys[i] === iso) return memoMs[i] as number;
  const ms = Date.parse(iso);
  memoKeys[memoNext] = iso;
  memoMs[memoNext] = ms;
  memoNext = (memoNext + 1) % MEMO_SLOTS;
  return ms;
}
