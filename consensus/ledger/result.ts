import type { ErrorCode } from '../../runtime/errors.ts';
import type { ChannelEvent } from '../../schemas/index.ts';
import type { EventRecord } from './records.ts';

/**
 * Why a transaction is refused, by the ledger or at admission (ACCOUNT_PENDING_LIMIT); each is
 * also an API error code. Listed once so the wire between Raft members can validate them.
 */
export const LEDGER_REJECTION_CODES = [
  'ATTEST_NOT_APPROVED',
  'ATTEST_INCONSISTENT',
  'ACCOUNT_KEY_INVALID',
  'CHAIN_ID_MISMATCH',
  'NONCE_REPLAYED',
  'NONCE_OUT_OF_ORDER',
  'ACCOUNT_PENDING_LIMIT',
  'ASSET_EXISTS',
  'ASSET_UNKNOWN',
  'ASSET_INVALID',
  'NOT_ISSUER',
  'AMOUNT_ZERO',
  'INSUFFICIENT_BALANCE',
  'SUPPLY_EXCEEDED',
  'RESERVE_EXCEEDED',
  'RESERVE_UNATTESTED',
  'TRANSFER_TO_SELF',
  'RETIRE_NOT_CARBON',
] as const satisfies readonly ErrorCode[];
export type LedgerRejectionCode = (typeof LEDGER_REJECTION_CODES)[number];

export type Rejection = Extract<ApplyResult, { kind: 'rejected' }>;
export const reject = (code: LedgerRejectionCode, message: string): Rejection => ({ kind: 'rejected', code, message });

/** Where the transaction is being applied; the hash is the transaction's own (hashValue(tx)). */
export interface ApplyContext {
  height: number;
  txHash: string;
}

export type ApplyResult =
  /** `attested` is the channel event this transaction committed, if any. */
  | { kind: 'applied'; writes: ReadonlyMap<string, unknown>; attested: ChannelEvent | null }
  /** Already applied earlier: a no-op that points at the original. */
  | { kind: 'duplicate'; original: EventRecord }
  | { kind: 'rejected'; code: LedgerRejectionCode; message: string };
