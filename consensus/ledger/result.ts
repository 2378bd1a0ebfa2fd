import type { ErrorCode } from '../../runtime/errors.ts';
import type { ChannelEvent } from '../../schemas/index.ts';
import type { EventRecord } from './records.ts';

/** Why the ledger refuses a transaction; each is also an API error code. */
export type LedgerRejectionCode = Extract<ErrorCode, 'TX_TYPE_NOT_ENABLED' | 'ATTEST_NOT_APPROVED' | 'ATTEST_INCONSISTENT'>;

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
