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

/** Fields every user transaction carries: the signer's ML-DSA public key, a nonce and the chain id. */
const signed = {
  chainId: z.string().min(1).max(64),
  nonce: z.number().int().min(0),
  from: z.string().regex(/^[0-9a-f]+$/, 'hex ML-DSA public key'),
  signature: z.string().regex(/^[0-9a-f]+$/, 'hex ML-DSA signature'),
};

export const RegisterAssetTx = z.object({
  type: z.literal('register_asset'),
  ...signed,
  assetId: Identifier,
  category: Category,
  totalUnits: Units,
  feeds: z.array(Identifier).max(32),
  metadata: z.record(z.string(), z.string().max(1024)),
});
export const MintTx = z.object({ type: z.literal('mint'), ...signed, assetId: Identifier, to: z.string(), units: Units });
export const TransferTx = z.object({ type: z.literal('transfer'), ...signed, assetId: Identifier, to: z.string(), units: Units });
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
