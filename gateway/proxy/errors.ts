import { AppError } from '../../runtime/errors.ts';
import { isTimeoutError } from '../../runtime/undici-errors.ts';

export type UpstreamFailure = 'timeout' | 'failed' | 'aborted' | 'body-too-large';

const CAUSE_DEPTH_MAX = 5;

/** What went wrong in an upstream exchange, judged from the error and its causes. */
export function classifyUpstreamError(error: unknown, clientAborted: boolean): UpstreamFailure {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < CAUSE_DEPTH_MAX; e = e.cause, depth++) {
    if (e instanceof AppError && e.code === 'PAYLOAD_TOO_LARGE') return 'body-too-large';
    if (isTimeoutError(e)) return 'timeout';
  }
  // Checked after the causes: an abort we caused because the body grew too large is not the client's.
  return clientAborted ? 'aborted' : 'failed';
}
