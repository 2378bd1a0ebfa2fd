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

/** Hex public key (ML-DSA keys are over a kilobyte; the bound keeps a bad value from growing unchecked). */
const PublicKeyHex = z.string().regex(/^(?:[0-9a-f]{2})+$/).max(8_192);

/**
 * A signature that carries its signer's public key, so it can be checked without the member list:
 * the key hashes (SHA-256) to `signer`. This is what validators exchange and store as co-signatures.
 */
export const KeyedBlockSignature = BlockSignature.extend({ publicKey: PublicKeyHex });
export type KeyedBlockSignature = z.infer<typeof KeyedBlockSignature>;

/**
 * `signatures` are those the node that built the block put in it: a replicated node stores the block
 * before anyone co-signed it, and a learner never signs, so the list may be empty. Co-signatures of
 * the voters are kept beside the block (see BlockWithFinality).
 */
export const Block = z.object({
  hash: Hash32,
  header: BlockHeader,
  signatures: z.array(BlockSignature),
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

/** Whether a block is final: valid signatures of a majority of the voters are known. */
export const BlockFinality = z.object({
  final: z.boolean(),
  /** Voters whose valid signature over the block hash is known, in voter-set order. */
  signers: z.array(Hash32),
  /** Signatures needed: a majority of the voters, floor(voters / 2) + 1. */
  required: z.number().int().min(1),
});
export type BlockFinality = z.infer<typeof BlockFinality>;

/**
 * GET /consensus/blocks/:height: the block with every signature the answering node knows (its own
 * and the co-signatures it received), each with the signer's key where known, and its finality.
 * A superset of BlockWithTransactions, so older readers keep parsing it.
 */
export const BlockWithFinality = BlockWithTransactions.extend({
  signatures: z.array(BlockSignature.extend({ publicKey: PublicKeyHex.optional() })),
  finality: BlockFinality,
});
export type BlockWithFinality = z.infer<typeof BlockWithFinality>;

export const MEMBER_ROLES = ['voter', 'learner'] as const;

/** A member of the Raft group as one node sees it. */
export const ConsensusMember = z.object({
  /** The member's id in the Raft group (e.g. `validator-1`); a single validator uses its node id. */
  id: z.string().min(1).max(128),
  /**
   * Node id (hex SHA-256 of the signing key), once known: a voter's is learnt from its first
   * co-signature; learners never sign, so theirs may stay unknown.
   */
  nodeId: Hash32.optional(),
  /** Voters elect the leader, commit entries and sign blocks; learners (business nodes) only replicate. */
  role: z.enum(MEMBER_ROLES),
  url: z.string().optional(),
  /** Leader only: the highest log index known to be stored on the member. */
  matchIndex: z.number().int().min(0).optional(),
  /** Leader only: entries the member is behind the leader's last index. */
  lag: z.number().int().min(0).optional(),
  /** Known once the member has announced itself or co-signed a block. */
  publicKey: PublicKeyHex.optional(),
  algorithm: SignatureAlgorithm.optional(),
});
export type ConsensusMember = z.infer<typeof ConsensusMember>;

export const ConsensusStatus = z.object({
  chainId: z.string(),
  nodeId: Hash32,
  role: z.enum(['leader', 'follower', 'candidate', 'learner']),
  leader: Hash32.nullable(),
  /** The leader's member id in the Raft group, when one is known (a single validator: its node id). */
  leaderMemberId: z.string().nullable().optional(),
  term: z.number().int(),
  height: z.number().int(),
  lastHash: Hash32,
  /** Highest Raft log index known committed, and the highest this node has applied to its ledger. */
  commitIndex: z.number().int().min(0),
  appliedIndex: z.number().int().min(0),
  members: z.array(ConsensusMember),
  pendingTransactions: z.number().int(),
});
export type ConsensusStatus = z.infer<typeof ConsensusStatus>;
