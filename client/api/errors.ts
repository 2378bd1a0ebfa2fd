/**
 * What went wrong with a call, as the server said it (`code`, `message`, `details` of its error
 * body) or, when no answer came, as the client saw it. Codes are stable: branch on them.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** The server's error code (e.g. FEED_NOT_FOUND), or one of the client's own below. */
    readonly code: string,
    message: string,
    /** HTTP status; 0 when no answer came. */
    readonly status: number,
    readonly details?: unknown,
    options?: { cause?: unknown; retryAfterS?: number },
  ) {
    super(message, options);
    if (options?.retryAfterS !== undefined) this.retryAfterS = options.retryAfterS;
  }

  /** Seconds the server asked the caller to wait before trying again (429, 503), when it said. */
  readonly retryAfterS?: number;
}

/** The client's own codes, for failures that carry no error body from the server. */
export const CLIENT_ERROR = {
  /** No answer: refused, reset, DNS, TLS. */
  UNREACHABLE: 'UNREACHABLE',
  /** No answer within the client's timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The caller cancelled the call (its AbortSignal). */
  ABORTED: 'ABORTED',
  /** An answer that is not what the API promises (not JSON, or not the documented shape). */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** An error status without the API's error body (e.g. a proxy's HTML page). */
  HTTP_ERROR: 'HTTP_ERROR',
} as const;
