/** undici's stable codes for its own timeouts (connect, headers, body idle), and the OS's. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** The stable `code` of an error, or '' when it has none. */
export const errorCode = (e: unknown): string =>
  e !== null && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? e.code : '';

/** An HTTP exchange that ran out of time: an undici timeout, or an `AbortSignal.timeout` firing. */
export const isTimeoutError = (e: unknown): boolean =>
  TIMEOUT_CODES.has(errorCode(e)) || (e instanceof Error && e.name === 'TimeoutError');
