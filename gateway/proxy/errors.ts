import { AppError } from '../../runtime/errors.ts';

export type UpstreamFailure = 'timeout' | 'failed' | 'aborted' | 'body-too-large';

/** undici's stable codes for the timeouts the proxy sets (connect, headers, body idle). */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const CAUSE_DEPTH_MAX = 5;

/** What went wrong in an upstream exchange, judged from the error and its causes. */
export function classifyUpstreamError(error: unknown, clientAborted: boolean): UpstreamFailure {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < CAUSE_DEPTH_MAX; e = e.cause, depth++) {
    if (e instanceof AppError && e.code === 'PAYLOAD_TOO_LARGE') return 'body-too-large';
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return 'timeout';
    if (e.name === 'TimeoutError') return 'timeout';
  }
  // Checked after the causes: an abort we caused because the body grew too large is not the client's.
  return clientAborted ? 'aborted' : 'failed';
}
