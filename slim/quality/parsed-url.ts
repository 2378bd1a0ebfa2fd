/** The parts of a WHATWG URL the quality steps read. */
export interface ParsedUrl {
  protocol: string;
  host: string;
  origin: string;
  pathname: string;
}

/**
 * How many distinct URLs the parse memo holds before it starts over: a worker's feeds each fetch from
 * a handful of fixed URLs, so this covers them all, and a flood of distinct URLs cannot grow it.
 */
const PARSED_URLS_MAX = 1_024;
const parsed = new Map<string, ParsedUrl | null>();

/**
 * `new URL(url)`'s parts, or null when it is not a URL, remembered per string: a pulled feed's
 * source URL (and its registered base URL) is the same string on every poll, and parsing costs
 * more than the rest of the step. A pure function of the string, so the memo never changes an answer.
 */
export function parsedUrl(url: string): ParsedUrl | null {
  let hit = parsed.get(url);
  if (hit === undefined) {
    hit = parse(url);
    if (parsed.size >= PARSED_URLS_MAX) parsed.clear();
    parsed.set(url, hit);
  }
  return hit;
}

function parse(url: string): ParsedUrl | null {
  try {
    const u = new URL(url);
    return { protocol: u.protocol, host: u.host, origin: u.origin, pathname: u.pathname };
  } catch {
    return null;
  }
}
