import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Stable error codes; each maps to one HTTP status, in one place. */
export const ERROR_STATUS = {
  INVALID_INPUT: 400,
  INVALID_JSON: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  FEED_NOT_FOUND: 404,
  REVIEW_NOT_FOUND: 404,
  BLOCK_NOT_FOUND: 404,
  TX_NOT_FOUND: 404,
  ATTESTATION_NOT_FOUND: 404,
  ASSET_NOT_FOUND: 404,
  CHANNEL_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  REVIEW_ALREADY_DECIDED: 409,
  FEED_NOT_PUSH: 409,
  FEED_PAUSED: 409,
  DUPLICATE_TX: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TX_REJECTED: 422,
  /** A user transaction whose signature is not its `from` key's over the signing payload. */
  SIGNATURE_INVALID: 401,
  /** Ledger rejections of a transaction (consensus/ledger). */
  TX_TYPE_NOT_ENABLED: 422,
  ATTEST_NOT_APPROVED: 422,
  ATTEST_INCONSISTENT: 422,
  /** User transactions (consensus/ledger): malformed key, wrong chain, nonce, then the ledger's own rules. */
  ACCOUNT_KEY_INVALID: 400,
  CHAIN_ID_MISMATCH: 422,
  NONCE_REPLAYED: 409,
  NONCE_OUT_OF_ORDER: 409,
  ACCOUNT_PENDING_LIMIT: 429,
  ASSET_EXISTS: 409,
  ASSET_UNKNOWN: 422,
  ASSET_INVALID: 422,
  NOT_ISSUER: 422,
  AMOUNT_ZERO: 422,
  INSUFFICIENT_BALANCE: 422,
  SUPPLY_EXCEEDED: 422,
  RESERVE_EXCEEDED: 422,
  RESERVE_UNATTESTED: 422,
  TRANSFER_TO_SELF: 422,
  RETIRE_NOT_CARBON: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** A core's invariant failed: the node stops rather than corrupt state. */
  INVARIANT_VIOLATED: 500,
  UPSTREAM_FAILED: 502,
  SOURCE_FAILED: 502,
  UNAVAILABLE: 503,
  MEMPOOL_FULL: 503,
  UPSTREAM_TIMEOUT: 504,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The one error type of the project: a stable code, a message for people, optional details and cause. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Seconds, for 429 and 503 answers. */
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown; retryAfterS?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.retryAfterS = options.retryAfterS;
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
