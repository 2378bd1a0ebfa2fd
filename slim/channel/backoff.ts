/** Upper bound of the delay between two delivery attempts while the validator is unreachable. */
export const CHANNEL_RETRY_MS_MAX = 30_000;

/**
 * Delay before retry number `failures` (1 for the first retry): the base doubled per failure,
 * capped, with "equal jitter" (half fixed, half random) so many workers do not retry in step.
 * A server's Retry-After is honoured as a floor, within the same cap.
 */
export function retryDelayMs(failures: number, baseMs: number, random: () => number, retryAfterMs = 0, maxMs = CHANNEL_RETRY_MS_MAX): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.min(maxMs, Math.max(jittered, retryAfterMs)));
}
