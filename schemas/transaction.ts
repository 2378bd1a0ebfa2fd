import { z } from 'zod';
import { Category, Hash32, Identifier } from './common.ts';
import { ChannelEvent } from './channel.ts';

/** Unsigned integer amounts as decimal strings: fractional units can exceed 2^53. */
export const Units = z.string().regex(/^(0|[1-9][0-9]{0,38})$/, 'a non-negative integer as a decimal string');

/** Attestations come from the tokenization channels, authorized by the cluster, not by a user key. */
export const AttestTx = z.object({
  type: z.literal('attest'),
  event: ChannelEvent,
});

/** An account id: hex SHA-256 of the account's ML-DSA public key (schemas/transaction-signing.ts). */
export const AccountId = Hash32;

/**
 * Fields every user transaction carries: the signer's ML-DSA public key (44, 65 or 87:
 * the length tells), its next nonce (0, 1, 2, ... per account) and the chain id.
 * Lengths are bounded here by the largest parameter set; the exact lengths are checked with the signature.
 */
const signed = {
  chainId: z.string().min(1).max(64),
  nonce: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  from: z.string().max(2592 * 2).regex(/^[0-9a-f]+$/, 'hex ML-DSA public key'),
  signature: z.string().max(4627 * 2).regex(/^[0-9a-f]+$/, 'hex ML-DSA signature'),
};

/**
 * Proof-of-reserve: a mint may not take the asset's outstanding supply above
 * floor(latest attested value of `feedId` × `unitsPerValue`). The feed must be one of the asset's feeds.
 */
export const ReserveMintPolicy = z.object({ type: z.literal('reserve'), feedId: Identifier, unitsPerValue: Units });
export type ReserveMintPolicy = z.infer<typeof ReserveMintPolicy>;

export const RegisterAssetTx = z.object({
  type: z.literal('register_asset'),
  ...signed,
  assetId: Identifier,
  category: Category,
  totalUnits: Units,
  feeds: z.array(Identifier).max(32),
  metadata: z.record(z.string().max(64), z.string().max(1024)).refine((m) => Object.keys(m).length <= 32, 'at most 32 metadata entries'),
  mintPolicy: ReserveMintPolicy.optional(),
});
export const MintTx = z.object({ type: z.literal('mint'), ...signed, assetId: Identifier, to: AccountId, units: Units });
export const TransferTx = z.object({ type: z.literal('transfer'), ...signed, assetId: Identifier, to: AccountId, units: Units });
export const BurnTx = z.object({ type: z.literal('burn'), ...signed, assetId: Identifier, units: Units });
export const RetireTx = z.object({
  type: z.literal('retire'),
  ...signed,
  assetId: Identifier,
  units: Units,
  beneficiary: z.string().max(256).optional(),
});

export const Transaction = z.discriminatedUnion('type', [AttestTx, RegisterAssetTx, MintTx, TransferTx, BurnTx, RetireTx]);
export type Transaction = z.infer<typeof Transaction>;
export type AttestTx = z.infer<typeof AttestTx>;

/** What a user (an ML-DSA key) signs and submits: every type but attest. */
export const UserTransaction = z.discriminatedUnion('type', [RegisterAssetTx, MintTx, TransferTx, BurnTx, RetireTx]);
export type UserTransaction = z.infer<typeof UserTransaction>;
export type RegisterAssetTx = z.infer<typeof RegisterAssetTx>;
export type MintTx = z.infer<typeof MintTx>;
export type TransferTx = z.infer<typeof TransferTx>;
export type BurnTx = z.infer<typeof BurnTx>;
export type RetireTx = z.infer<typeof RetireTx>;
/** A user transaction before it is signed (distributes over the union). */
export type UnsignedUserTransaction = UserTransaction extends infer T ? (T extends UserTransaction ? Omit<T, 'signature'> : never) : never;

export const TxStatus = z.enum(['pending', 'committed', 'rejected']);

export const MerkleStep = z.object({ hash: Hash32, side: z.enum(['left', 'right']) });
/** Inclusion proof of a leaf under a root (leaf and node hashes are domain-separated). */
export const MerkleProof = z.object({
  leaf: Hash32,
  index: z.number().int().min(0),
  siblings: z.array(MerkleStep),
  root: Hash32,
});
export type MerkleProof = z.infer<typeof MerkleProof>;

/** `POST /transaction` takes one user transaction, or up to this many as `{ transactions: [...] }`. */
export const SUBMIT_TXS_MAX = 64;
export const SubmitTransactionsBody = z.object({ transactions: z.array(UserTransaction).min(1).max(SUBMIT_TXS_MAX) });
export type SubmitTransactionsBody = z.infer<typeof SubmitTransactionsBody>;

/** Why a transaction was refused: an API error code (runtime/errors.ts) and a message for people. */
export const TxRejection = z.object({ code: z.string(), message: z.string() });
export type TxRejection = z.infer<typeof TxRejection>;

/** What `POST /transaction` answers per transaction: committed (with its place), still pending, or rejected (batch form only). */
export const TransactionSubmission = z.object({
  hash: Hash32,
  status: TxStatus,
  height: z.number().int().nullable(),
  index: z.number().int().nullable(),
  error: TxRejection.optional(),
});
export type TransactionSubmission = z.infer<typeof TransactionSubmission>;
export const SubmitTransactionsResult = z.object({ results: z.array(TransactionSubmission) });
export type SubmitTransactionsResult = z.infer<typeof SubmitTransactionsResult>;

/** `GET /state/accounts/:id`: the account's next nonce, balances and retired units by asset id. */
export const AccountState = z.object({
  accountId: AccountId,
  nonce: z.number().int().min(0),
  balances: z.record(z.string(), Units),
  retired: z.record(z.string(), Units),
});
export type AccountState = z.infer<typeof AccountState>;
