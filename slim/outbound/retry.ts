import { isAppError } from '../../runtime/errors.ts';
import { errorCode, isTimeoutError } from '../../runtime/undici-errors.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attemptsMax: number;
  /** Backoff before retry n (1-based) is uniform in [0, min(delayMsMax, baseDelayMs * 2^(n-1))]: "full jitter". */
  baseDelayMs: number;
  delayMsMax: number;
  /** No attempt starts after this much time since the first; each attempt gets at most what is left. */
  totalMsMax: number;
}

/** Operating-system codes of a connection that failed or broke: worth another try. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ECONNABORTED']);
/** undici's codes for a connection or exchange that broke (not for a bad request we built). */
const UNDICI_TRANSIENT_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_ABORTED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The HTTP status a source answered, as oracles/http.ts reports it (`details: { status }`), or null. */
export function sourceStatusOf(err: unknown): number | null {
  if (!isAppError(err)) return null;
  const details = err.details;
  if (details !== null && typeof details === 'object' && !Array.isArray(details) && 'status' in details && typeof details.status === 'number') {
    return details.status;
  }
  return null;
}

/**
 * Whether a failure is the network's or the source's passing trouble: a timeout, a refused or
 * broken connection, 429, or 5xx. Everything else (another 4xx, a body that is not JSON or not
 * the source's schema, an oversized answer, missing credentials, our own rate limit) would fail
 * the same way again, so it is not retried.
 */
export function isTransientSourceError(err: unknown): boolean {
  if (!isAppError(err)) return isNetworkError(err);
  if (err.code !== 'SOURCE_FAILED') return false;
  const status = sourceStatusOf(err);
  if (status !== null) return status === 429 || (status >= 500 && status <= 599);
  return isNetworkError(err.cause);
}

function isNetworkError(cause: unknown): boolean {
  if (cause === undefined || cause === null) return false;
  if (isTimeoutError(cause)) return true;
  if (cause instanceof Error && cause.name === 'AbortError') return true;
  const code = errorCode(cause);
  return NETWORK_CODES.has(code) || UNDICI_TRANSIENT_CODES.has(code);
}

/** Backoff before retry number `retry` (1 for the first retry). */
export function backoffDelayMs(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'delayMsMax'>, random: () => number): number {
  const ceilingMs = Math.min(policy.delayMsMax, policy.baseDelayMs * 2 ** Math.min(retry - 1, 30));
  return Math.floor(random() * ceilingMs);
}

export interface RetryHooks {
  random?: () => number;
  nowMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry (not before the first attempt). */
  onRetry?: (info: { retry: number; delayMs: number; err: unknown }) => void;
}

/**
 * Runs `attempt` until it succeeds, fails for a reason that is not transient, runs out of
 * attempts, or would start past the total time. The last error is thrown as it was.
 * `attempt` gets its number (1-based) and how many milliseconds it may take.
 */
export async function withRetry<T>(
  attempt: (info: { attempt: number; timeBudgetMs: number }) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const random = hooks.random ?? Math.random;
  const nowMs = hooks.nowMs ?? Date.now;
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const startMs = nowMs();
  const attemptsMax = Math.max(1, policy.attemptsMax);
  for (let n = 1; ; n += 1) {
    try {
      return await attempt({ attempt: n, timeBudgetMs: Math.max(1, policy.totalMsMax - (nowMs() - startMs)) });
    } catch (err) {
      if (n >= attemptsMax || !isTransientSourceError(err)) throw err;
      const delayMs = backoffDelayMs(n, policy, random);
      // Not enough time left for a useful attempt after the pause: give up now, with the real reason.
      if (nowMs() - startMs + delayMs >= policy.totalMsMax) throw err;
      hooks.onRetry?.({ retry: n, delayMs, err });
      await sleep(delayMs);
    }
  }
}
