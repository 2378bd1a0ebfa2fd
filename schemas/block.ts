import { z } from 'zod';
import { Hash32, IsoTimestamp } from './common.ts';
import { Transaction } from './transaction.ts';

export const SIGNATURE_ALGORITHMS = ['ml_dsa44', 'ml_dsa65', 'ml_dsa87'] as const;
export const SignatureAlgorithm = z.enum(SIGNATURE_ALGORITHMS);
export type SignatureAlgorithm = z.infer<typeof SignatureAlgorithm>;

/** The signed part of a block: its hash is SHA-256 over the header's canonical JSON. */
export const BlockHeader = z.object({
  chainId: z.string(),
  height: z.number().int().min(0),
  prevHash: Hash32,
  txRoot: Hash32,
  stateRoot: Hash32,
  /** Node id of the proposer: hex SHA-256 of its public key. */
  proposer: Hash32,
  timestamp: IsoTimestamp,
  txCount: z.number().int().min(0),
});
export type BlockHeader = z.infer<typeof BlockHeader>;

export const BlockSignature = z.object({
  signer: Hash32,
  algorithm: SignatureAlgorithm,
  /** Hex ML-DSA signature over the 32 bytes of the block hash. */
  signature: z.string().regex(/^[0-9a-f]+$/),
});
export type BlockSignature = z.infer<typeof BlockSignature>;

export const Block = z.object({
  hash: Hash32,
  header: BlockHeader,
  signatures: z.array(BlockSignature).min(1),
  txHashes: z.array(Hash32),
});
export type Block = z.infer<typeof Block>;

export const BlockWithTransactions = Block.extend({ transactions: z.array(Transaction) });
export type BlockWithTransactions = z.infer<typeof BlockWithTransactions>;

/** A validator as dApps need to know it to verify signatures. */
export const ValidatorIdentity = z.object({
  nodeId: Hash32,
  algorithm: SignatureAlgorithm,
  publicKey: z.string().regex(/^[0-9a-f]+$/),
  url: z.string().optional(),
});
export type ValidatorIdentity = z.infer<typeof ValidatorIdentity>;

export const ConsensusStatus = z.object({
  chainId: z.string(),
  nodeId: Hash32,
  role: z.enum(['leader', 'follower', 'candidate', 'learner']),
  leader: Hash32.nullable(),
  term: z.number().int(),
  height: z.number().int(),
  lastHash: Hash32,
  members: z.array(ValidatorIdentity),
  pendingTransactions: z.number().int(),
});
export type ConsensusStatus = z.infer<typeof ConsensusStatus>;
